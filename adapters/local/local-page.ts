import { REASON_MAX } from '../reject-reason.ts';

/** Longest wait between two looks at a thread that has ended (it may get a new job: an approved request's). @defaultValue 60 s */
const REFOLLOW_MAX_MS = 60_000;

/**
 * A one-file chat page for trying voxoz without Slack or Discord. Text is inserted with
 * textContent only. Buttons post to /local/interactions; Reject first asks for its reason with
 * prompt() (Cancel there sends nothing), and every press's answer is shown with alert().
 * A thread that ends is looked at again later, less and less often (2 s doubling up to
 * REFOLLOW_MAX_MS, back to 2 s when something new arrived): an approval request posts into the
 * requester's thread after its answer, and the approved job after the request is closed.
 */
export function localPage(): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>voxoz</title>
<style>body{font:14px system-ui;margin:2em;max-width:60em}pre{background:#f4f4f4;padding:.5em;white-space:pre-wrap}
.msg{border-left:3px solid #ccc;margin:.4em 0;padding-left:.6em}.parent{border-color:#36c}.log pre{font-size:12px}</style></head>
<body><h1>voxoz</h1><form id="f"><input id="u" value="me" size="8"> <input id="t" size="50" placeholder="deploy hello" autofocus> <button>send</button></form>
<div id="out"></div><script>
const out=document.getElementById('out');
const press=async(b)=>{const body={user:document.getElementById('u').value,action:b.id,value:b.value};
 if(b.id==='reject'){const why=prompt('Reject: why? (optional, shown in the request; at most ${REASON_MAX} characters)','');if(why===null)return;body.reason=Array.from(why).slice(0,${REASON_MAX}).join('');}
 const r=await fetch('/local/interactions',{method:'POST',headers:{'content-type':'application/json'},body:JSON.stringify(body)});
 const k=await r.json();alert(k.reply?k.reply.title+'\\n'+(k.reply.text||''):k.error);};
const follow=(id,box,byId,state)=>{const es=new EventSource('/local/threads/'+id+'/events');
 const show=(e)=>{const ev=JSON.parse(e.data);if(ev.seq>state.seq){state.seq=ev.seq;state.wait=2000;}const m=ev.message;
  let el=byId[m.id]; if(!el){el=document.createElement('div');el.className='msg '+m.kind;byId[m.id]=el;box.append(el);}
  el.textContent=''; const p=document.createElement('pre'); p.textContent=(m.kind==='command'?m.author+': ':'')+m.text; el.append(p);
  const f=m.file; if(f&&f.encoding==='base64'&&(f.contentType==='image/png'||f.contentType==='image/jpeg')){const img=document.createElement('img');img.alt=f.name;img.src='data:'+f.contentType+';base64,'+f.content;img.style.maxWidth='100%';el.append(img);}
  for(const b of (m.reply&&m.reply.buttons)||[]){const btn=document.createElement('button');btn.textContent=b.label;btn.onclick=()=>press(b);el.append(btn);}};
 es.addEventListener('message',show);
 es.addEventListener('edit',show);
 es.addEventListener('end',()=>{es.close();const wait=state.wait;state.wait=Math.min(wait*2,${REFOLLOW_MAX_MS});setTimeout(()=>follow(id,box,byId,state),wait);});};
document.getElementById('f').onsubmit=async(e)=>{e.preventDefault();
 const r=await fetch('/local/commands',{method:'POST',headers:{'content-type':'application/json'},body:JSON.stringify({user:document.getElementById('u').value,text:document.getElementById('t').value})});
 const j=await r.json(); if(!r.ok){alert(j.error);return;}
 const box=document.createElement('div'); out.prepend(box);
 follow(j.thread,box,{},{seq:-1,wait:2000});};
</script></body></html>`;
}
