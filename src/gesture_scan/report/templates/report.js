(function(){
  var form=document.getElementById('filters');
  var body=document.body;
  var items=Array.prototype.slice.call(document.querySelectorAll('main [data-idx]'));
  var rows=items.filter(function(el){return el.tagName==='TR';});
  var count=document.getElementById('shown'), nomatch=document.getElementById('nomatch');
  items.forEach(function(el){el._rules=' '+el.getAttribute('data-rules')+' ';});
  function apply(){
    var sev={};
    Array.prototype.forEach.call(form.querySelectorAll('input[name=sev]'),
      function(c){sev[c.value]=c.checked;});
    var rule=form.elements.rule.value, dec=form.elements.decision.value,
        q=form.elements.q.value.trim().toLowerCase(), n=0;
    items.forEach(function(el){
      var ok=sev[el.getAttribute('data-sev')]&&(!rule||el._rules.indexOf(' '+rule+' ')>=0)&&
        (!dec||el.getAttribute('data-decision')===dec)&&
        (!q||el.getAttribute('data-path').indexOf(q)>=0);
      el.classList.toggle('is-hidden',!ok); if(ok&&el.tagName==='TR'){n++;}
    });
    count.textContent=n+' '+count.getAttribute('data-of')+' '+rows.length+' '+count.getAttribute('data-shown');
    nomatch.hidden=n>0||!rows.length;
  }
  // Sorting: click a heading; again to reverse. Numbers compare as numbers, text as text.
  var table=document.getElementById('triage-table');
  if(table){
    var heads=Array.prototype.slice.call(table.querySelectorAll('th[data-key]'));
    heads.forEach(function(th){th.addEventListener('click',function(){
      var key=th.getAttribute('data-key'), num=th.hasAttribute('data-num');
      var dir=th.getAttribute('aria-sort')==='ascending'?-1:1;
      if(!th.hasAttribute('aria-sort')&&num&&key!=='idx'){dir=-1;}
      heads.forEach(function(h){h.removeAttribute('aria-sort');});
      th.setAttribute('aria-sort',dir>0?'ascending':'descending');
      var tbody=table.tBodies[0];
      var list=Array.prototype.slice.call(tbody.rows);
      list.sort(function(a,b){
        var x=a.getAttribute('data-'+key)||'', y=b.getAttribute('data-'+key)||'';
        var c=num?(parseFloat(x)-parseFloat(y)):x.localeCompare(y);
        if(c===0){c=parseFloat(a.getAttribute('data-idx'))-parseFloat(b.getAttribute('data-idx'));}
        return dir*c;
      });
      list.forEach(function(r){tbody.appendChild(r);});
    });});
  }
  function broken(img){var a=img.closest('.thumb'); if(a){a.classList.add('broken');}}
  document.addEventListener('error',function(ev){
    if(ev.target&&ev.target.tagName==='IMG'){broken(ev.target);}},true);
  form.addEventListener('change',apply);
  form.addEventListener('input',apply);
  form.addEventListener('submit',function(ev){ev.preventDefault();});
  // A link such as report.html#f:sev=high,medium;rule=single-sign opens with those filters set.
  var h=''; try{h=decodeURIComponent(location.hash||'');}catch(e){}
  if(h.indexOf('#f:')===0){h.slice(3).split(';').forEach(function(kv){
    var i=kv.indexOf('='), k=kv.slice(0,i), v=kv.slice(i+1);
    if(k==='sev'){var want=v.split(',');
      Array.prototype.forEach.call(form.querySelectorAll('input[name=sev]'),
        function(c){c.checked=want.indexOf(c.value)>=0;});}
    else if(k==='rule'){form.elements.rule.value=v;}
    else if(k==='decision'){form.elements.decision.value=v;}
    else if(k==='q'){form.elements.q.value=v;}
  });}
  // Decisions, only when served by `gesture-scan review` (a static page cannot write files).
  var token=body.getAttribute('data-review');
  if(token){
    var who=document.getElementById('reviewer');
    if(!who.value){try{who.value=localStorage.getItem('gesture-scan-reviewer')||'';}catch(e){}}
    who.addEventListener('change',function(){
      try{localStorage.setItem('gesture-scan-reviewer',who.value.trim());}catch(e){}});
    var labels={};
    Array.prototype.forEach.call(document.querySelectorAll('.decide .buttons button'),
      function(b){labels[b.getAttribute('data-decision')]=b.textContent;});
    document.addEventListener('click',function(ev){
      var b=ev.target.closest&&ev.target.closest('.decide .buttons button');
      if(!b){return;}
      var box=b.closest('.decide'), status=box.querySelector('.status');
      var name=who.value.trim();
      if(!name){status.textContent=status.getAttribute('data-need')||who.placeholder+'?';who.focus();return;}
      var frame=box.getAttribute('data-frame'), finding=box.getAttribute('data-finding');
      var payload={reviewer:name,decision:b.getAttribute('data-decision'),
        note:box.querySelector('.note').value,sha256:box.getAttribute('data-sha'),
        frame:frame===''?null:parseInt(frame,10),finding:finding===''?null:parseInt(finding,10),
        rule:box.getAttribute('data-rule')||null,path:box.getAttribute('data-path')};
      fetch('api/decisions',{method:'POST',headers:{'Content-Type':'application/json',
        'X-Review-Token':token},body:JSON.stringify(payload)}).then(function(r){
          if(!r.ok){throw new Error(r.status);} return r.json();}).then(function(d){
          status.innerHTML='';
          var s=document.createElement('span'); s.className='dec dec-'+d.decision;
          s.textContent=labels[d.decision]; s.title=d.time; status.appendChild(s);
          var by=document.createElement('span'); by.className='muted dec-by';
          by.textContent=' '+d.reviewer+', '+d.time; status.appendChild(by);
          var card=box.closest('[data-idx]');
          if(card){var idx=card.getAttribute('data-idx');
            Array.prototype.forEach.call(document.querySelectorAll('[data-idx="'+idx+'"]'),
              function(el){el.setAttribute('data-decision',d.decision);
                var cell=el.querySelector('.dcell'); if(cell){cell.innerHTML='';
                  var c=s.cloneNode(true); c.removeAttribute('title'); cell.appendChild(c);}});}
          box.setAttribute('data-saved',d.decision);
        }).catch(function(e){status.textContent='\u26a0 '+e.message;});
    });
  }
  // The table's heading sticks just below the filter bar, however many lines the bar wraps to.
  function stick(){document.documentElement.style.setProperty('--filters-h',form.offsetHeight+'px');}
  window.addEventListener('resize',stick);
  apply();
  body.setAttribute('data-ready','1');
  stick();
})();
