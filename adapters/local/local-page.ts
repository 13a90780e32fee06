/** A one-file chat page for trying voxoz without Slack or Discord. Text is inserted with textContent only. */
export function localPage(): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>voxoz</title>
<style>body{font:14px system-ui;margin:2em;max-width:60em}pre{background:#f4f4f4;padding:.5em;white-space:pre-wrap}
.msg{border-left:3px solid #ccc;margin:.4em 0;padding-left:.6em}.parent{border-color:#36c}.log pre{font-size:12px}</style></head>
<body><h1>voxoz</h1><form id="f"><input id="u" value="me" size="8"> <input id="t" size="50" placeholder="deploy hello" autofocus> <button>send</button></form>
<div id="out"></div><script>
const out=document.getElementById('out');
document.getElementById('f').onsubmit=async(e)=>{e.preventDefault();
 const r=await fetch('/local/commands',{method:'POST',headers:{'content-type':'application/json'},body:JSON.stringify({user:document.getElementById('u').value,text:document.getElementById('t').value})});
 const j=await r.json(); if(!r.ok){alert(j.error);return;}
 const box=document.createElement('div'); out.prepend(box); const byId={};
 const es=new EventSource('/local/threads/'+j.thread+'/events');
 const show=(m)=>{let el=byId[m.id]; if(!el){el=document.createElement('div');el.className='msg '+m.kind;byId[m.id]=el;box.append(el);}
  el.textContent=''; const p=document.createElement('pre'); p.textContent=(m.kind==='command'?m.author+': ':'')+m.text; el.append(p);
  for(const b of (m.reply&&m.reply.buttons)||[]){const btn=document.createElement('button');btn.textContent=b.label;
   btn.onclick=async()=>{const r=await fetch('/local/interactions',{method:'POST',headers:{'content-type':'application/json'},body:JSON.stringify({user:document.getElementById('u').value,action:b.id,value:b.value})});const k=await r.json();alert(k.reply.title+'\\n'+(k.reply.text||''));}; el.append(btn);}};
 es.addEventListener('message',(e)=>show(JSON.parse(e.data).message));
 es.addEventListener('edit',(e)=>show(JSON.parse(e.data).message));
 es.addEventListener('end',()=>es.close());};
</script></body></html>`;
}
