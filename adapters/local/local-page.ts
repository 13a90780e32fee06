import { REASON_MAX } from '../reject-reason.ts';

/** How often the page asks for its channels' threads (besides the event stream, which shows every thread that changes). @defaultValue 5 s */
const CHANNEL_POLL_MS = 5000;
/** How many of the channel's existing threads a page opening shows. @defaultValue 10 */
const HISTORY_THREADS = 10;
/** How often the dashboard is read again (its chart: every tenth time). @defaultValue 5 s */
const DASHBOARD_MS = 5000;

/**
 * A one-file chat page for trying voxoz without Slack or Discord. Text is inserted with
 * textContent only. Buttons post to /local/interactions; Reject first asks for its reason with
 * prompt() (Cancel there sends nothing), and every press's answer is shown with alert().
 * Threads show newest on top: every thread that changes while the page is open (typed here, from
 * the CLI, another tab, a schedule, an approval posting into an ended thread) comes through one
 * event stream (/local/events: a connection per thread would hit the browser's six per host);
 * each is drawn from its snapshot first, then its events past the snapshot's `seq`. When the
 * stream reconnects, the snapshots are read again. The channels' newest HISTORY_THREADS threads
 * show at load, and the channels are asked again every CHANNEL_POLL_MS. The command box keeps a history (↑ and ↓) and empties
 * as soon as a command is sent, so the next can be typed while the answer comes; a command voxoz
 * refused or did not answer comes back into an empty box. Above the threads, a dashboard
 * (read from /local/dashboard every DASHBOARD_MS): each app environment's live release,
 * replicas healthy of desired ("not deployed" before any release went live), burst and lock, the jobs running or waiting with links to their
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
const threads={};
const open=(id)=>{if(threads[id])return threads[id];const box=document.createElement('div');box.className='thread';box.id='thread-'+id;box.tabIndex=-1;out.prepend(box);
 const t={id,box,byId:{},seq:-1,ready:false,pending:[]};threads[id]=t;load(t);return t;};
const cell=(tr,text,cls)=>{const td=document.createElement('td');td.textContent=text;if(cls)td.className=cls;tr.append(td);};
let reads=0;
const dash=async()=>{try{const r=await fetch('/local/dashboard');if(r.ok){const d=await r.json();channels=d.channels;
 const body=document.querySelector('#apps tbody');body.textContent='';
 for(const w of d.rows){const tr=document.createElement('tr');cell(tr,w.app);cell(tr,w.env);
  cell(tr,w.live?'v'+w.live.number+(w.live.commit?' ('+w.live.commit.slice(0,7)+')':''):'none');
  const never=!w.unreadable&&!w.live&&w.running===0;
  cell(tr,w.unreadable?'unreadable: '+w.unreadable:never?(w.last?'nothing live':'not deployed'):w.healthy+' / '+w.desired,(w.unreadable||(never?w.last:w.healthy<w.desired))?'bad':'');
  cell(tr,!w.burst?'':w.burstOverdue?'+'+w.burst.add+' overdue since '+w.burst.until.slice(11,16)+' UTC (its scale-back has not run)':'+'+w.burst.add+' until '+w.burst.until.slice(11,16)+' UTC',w.burstOverdue?'bad':'');
  cell(tr,w.lock?'locked by '+w.lock.by.name+(w.lock.reason?': '+w.lock.reason:''):'');
  cell(tr,String(w.failed.length),w.failed.length?'bad':'');body.append(tr);}
 const jobs=document.getElementById('jobs');jobs.textContent='';
 if(d.jobs.length===0){const li=document.createElement('li');li.textContent='no job running or waiting';jobs.append(li);}
 for(const j of d.jobs){const li=document.createElement('li');li.textContent=(j.runAt?'scheduled for '+j.runAt.slice(11,19)+' UTC':j.state)+': '+j.command+' (by '+j.requestedBy.name+') ';
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
const render=(t,m)=>{let el=t.byId[m.id]; if(!el){el=document.createElement('div');el.className='msg '+m.kind;t.byId[m.id]=el;t.box.append(el);}
  el.textContent=''; const p=document.createElement('pre'); p.textContent=(m.kind==='command'?m.author+': ':'')+m.text; el.append(p);
  const f=m.file; if(f&&f.encoding==='base64'&&(f.contentType==='image/png'||f.contentType==='image/jpeg')){const img=document.createElement('img');img.alt=f.name;img.src='data:'+f.contentType+';base64,'+f.content;img.style.maxWidth='100%';el.append(img);}
  for(const b of (m.reply&&m.reply.buttons)||[]){const btn=document.createElement('button');btn.textContent=b.label;btn.onclick=()=>press(b);el.append(btn);}};
const apply=(t,ev)=>{if(ev.seq<=t.seq)return;t.seq=ev.seq;if(ev.message)render(t,ev.message);};
const load=async(t)=>{try{const r=await fetch('/local/threads/'+t.id);if(r.ok){const th=await r.json();for(const m of th.messages)render(t,m);t.seq=Math.max(t.seq,th.seq);}}catch(e){}
 t.ready=true;for(const ev of t.pending.splice(0))apply(t,ev);};
const onEvent=(e)=>{const ev=JSON.parse(e.data);const t=open(ev.thread);if(t.ready)apply(t,ev);else t.pending.push(ev);};
const es=new EventSource('/local/events');
let connected=false;
es.onopen=()=>{if(connected)for(const t of Object.values(threads))load(t);connected=true;};
es.addEventListener('message',onEvent);
es.addEventListener('edit',onEvent);
es.addEventListener('end',onEvent);
document.getElementById('f').onsubmit=async(e)=>{e.preventDefault();
 const text=box.value;box.value='';back=0;
 const giveBack=(why)=>{if(box.value==='')box.value=text;alert(why);};
 let r,j;try{r=await fetch('/local/commands',{method:'POST',headers:{'content-type':'application/json'},body:JSON.stringify({user:document.getElementById('u').value,text})});j=await r.json();}
 catch(err){giveBack('voxoz did not answer ('+err.message+'); the command is back in the box to send again');return;}
 if(!r.ok){giveBack(j.error);return;}
 if(text&&history[history.length-1]!==text)history.push(text);
 open(j.thread);};
poll();dash();
</script></body></html>`;
}
