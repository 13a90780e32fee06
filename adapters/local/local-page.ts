import { REASON_MAX } from '../reject-reason.ts';

/** Longest wait between two looks at a thread that has ended (it may get a new job: an approved request's). @defaultValue 60 s */
const REFOLLOW_MAX_MS = 60_000;
/** How often the page asks for the channel's threads, to show those started elsewhere (the CLI, another tab, a schedule). @defaultValue 2 s */
const CHANNEL_POLL_MS = 2000;
/** How many of the channel's existing threads a page opening shows. @defaultValue 10 */
const HISTORY_THREADS = 10;
/** How often the dashboard is read again (its chart: every tenth time). @defaultValue 5 s */
const DASHBOARD_MS = 5000;

/**
 * A one-file chat page for trying voxoz without Slack or Discord. Text is inserted with
 * textContent only. Buttons post to /local/interactions; Reject first asks for its reason with
 * prompt() (Cancel there sends nothing), and every press's answer is shown with alert().
 * A thread that ends is looked at again later, less and less often (2 s doubling up to
 * REFOLLOW_MAX_MS, back to 2 s when something new arrived): an approval request posts into the
 * requester's thread after its answer, and the approved job after the request is closed.
 * Every thread of the channel shows, newest on top: those started here, and those started
 * elsewhere (the CLI, another tab, a schedule), found by asking for the channel's threads every
 * CHANNEL_POLL_MS. The command box keeps a history (↑ and ↓). Above the threads, a dashboard
 * (read from /local/dashboard every DASHBOARD_MS): each app environment's live release,
 * replicas healthy of desired, burst and lock, the jobs running or waiting with links to their
 * threads, and the last 14 days' chart. Plain HTML controls only: it works with the keyboard.
 */
export function localPage(): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>voxoz</title>
<style>body{font:1rem system-ui;margin:1em auto;max-width:60em;padding:0 1em}pre{background:#f4f4f4;padding:.5em;white-space:pre-wrap;overflow-wrap:anywhere}
.msg{border-left:3px solid #ccc;margin:.4em 0;padding-left:.6em}.parent{border-color:#36c}.log pre{font-size:.85rem}
table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:.2em .6em;text-align:left}.scroll{overflow-x:auto}
.bad{color:#a00;font-weight:bold}img{max-width:100%}:focus-visible{outline:3px solid #36c}</style></head>
<body><h1>voxoz</h1><section id="dash" aria-labelledby="dash-h"><h2 id="dash-h">Dashboard</h2>
<div class="scroll"><table id="apps"><caption>App environments</caption><thead><tr><th scope="col">app</th><th scope="col">env</th><th scope="col">live</th><th scope="col">healthy / desired</th><th scope="col">burst</th><th scope="col">lock</th><th scope="col">failed (24 h)</th></tr></thead><tbody></tbody></table></div>
<h3>Jobs</h3><ul id="jobs"></ul><img id="chart" alt="Last 14 days: deploys, failures and health per app environment (UTC days)"></section>
<h2>Threads</h2><form id="f"><label>as <input id="u" value="me" size="8"></label> <label>command <input id="t" size="50" placeholder="deploy hello" autofocus autocomplete="off" list="cmds"></label><datalist id="cmds"></datalist> <button>send</button></form>
<div id="out" aria-live="polite"></div><script>
const out=document.getElementById('out');
const followed=new Set();
const open=(id)=>{if(followed.has(id))return;followed.add(id);const box=document.createElement('div');box.className='thread';box.id='thread-'+id;box.tabIndex=-1;out.prepend(box);follow(id,box,{},{seq:-1,wait:2000});};
const cell=(tr,text,cls)=>{const td=document.createElement('td');td.textContent=text;if(cls)td.className=cls;tr.append(td);};
let reads=0;
const dash=async()=>{try{const r=await fetch('/local/dashboard');if(r.ok){const d=await r.json();channels=d.channels;
 const body=document.querySelector('#apps tbody');body.textContent='';
 for(const w of d.rows){const tr=document.createElement('tr');cell(tr,w.app);cell(tr,w.env);
  cell(tr,w.live?'v'+w.live.number+(w.live.commit?' ('+w.live.commit.slice(0,7)+')':''):'none');
  cell(tr,w.unreadable?'unreadable: '+w.unreadable:w.healthy+' / '+w.desired,(w.unreadable||w.healthy<w.desired)?'bad':'');
  cell(tr,w.burst?'+'+w.burst.add+' until '+w.burst.until.slice(11,16)+' UTC':'');
  cell(tr,w.lock?'locked by '+w.lock.by.name+(w.lock.reason?': '+w.lock.reason:''):'');
  cell(tr,String(w.failed.length),w.failed.length?'bad':'');body.append(tr);}
 const jobs=document.getElementById('jobs');jobs.textContent='';
 if(d.jobs.length===0){const li=document.createElement('li');li.textContent='no job running or waiting';jobs.append(li);}
 for(const j of d.jobs){const li=document.createElement('li');li.textContent=j.state+': '+j.command+' (by '+j.requestedBy.name+') ';
  if(j.thread){const a=document.createElement('a');a.href='#thread-'+j.thread;a.textContent='thread';a.onclick=()=>{open(j.thread);};li.append(a);}jobs.append(li);}
 const cmds=document.getElementById('cmds');if(cmds.children.length!==d.completions.length){cmds.textContent='';for(const c of d.completions){const o=document.createElement('option');o.value=c;cmds.append(o);}}
 if(reads++%10===0)document.getElementById('chart').src='/local/dashboard/chart.png?'+Date.now();}}catch(e){}setTimeout(dash,${DASHBOARD_MS});};
let channels=['local'];const seen=new Set();
const poll=async()=>{for(const c of channels){try{const r=await fetch('/local/channels/'+encodeURIComponent(c)+'/threads');if(r.ok){const j=await r.json();const ts=j.threads.slice(0,seen.has(c)?j.threads.length:${HISTORY_THREADS});seen.add(c);for(const t of ts.reverse())open(t.id);}}catch(e){}}setTimeout(poll,${CHANNEL_POLL_MS});};
const history=[];let back=0;
const box=document.getElementById('t');
box.onkeydown=(e)=>{if(e.key!=='ArrowUp'&&e.key!=='ArrowDown')return;if(history.length===0)return;e.preventDefault&&e.preventDefault();
 back=e.key==='ArrowUp'?Math.min(back+1,history.length):Math.max(back-1,0);box.value=back===0?'':history[history.length-back];};
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
 const text=box.value;
 const r=await fetch('/local/commands',{method:'POST',headers:{'content-type':'application/json'},body:JSON.stringify({user:document.getElementById('u').value,text})});
 const j=await r.json(); if(!r.ok){alert(j.error);return;}
 if(text&&history[history.length-1]!==text)history.push(text);back=0;box.value='';
 open(j.thread);};
poll();dash();
</script></body></html>`;
}
