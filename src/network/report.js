(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("data").textContent);
  var W = D.words, steps = D.steps, at = 0;
  var slider = document.getElementById("slider"), view = document.getElementById("step");
  var position = document.getElementById("position");
  slider.max = String(steps.length - 1);
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function box(title) { var b = el("div", "box"); b.appendChild(el("h3", "", title)); return b; }
  function show(i) {
    at = Math.max(0, Math.min(steps.length - 1, i));
    var s = steps[at];
    slider.value = String(at);
    position.textContent = W.position.replace("{step}", s.step).replace("{total}", steps.length - 1);
    view.textContent = "";
    var msg = el("div", "msg");
    if (s.head) msg.appendChild(el("div", "head mono", s.head));
    s.words.forEach(function (w) { msg.appendChild(el("div", "", w)); });
    if (s.revoked) msg.appendChild(el("div", "mono", s.revoked));
    msg.appendChild(el("div", "", W.knows + s.knows));
    view.appendChild(msg);
    var bal = box(W.balances);
    s.balances.forEach(function (c) {
      var row = el("div", "chan" + (c.changed ? " changed" : ""));
      row.appendChild(el("div", "name", c.channel));
      var bar = el("div", "bar"), total = c.sat[0] + c.sat[1] + c.sat[2];
      [["a", c.a + " " + c.text[0], c.sat[0]], ["htlc", "HTLC " + c.text[1], c.sat[1]], ["b", c.b + " " + c.text[2], c.sat[2]]]
        .forEach(function (p) {
          if (p[2] === 0) return;
          var d = el("div", p[0], p[1]);
          d.style.width = (100 * p[2] / total) + "%";
          d.title = p[1];
          bar.appendChild(d);
        });
      row.appendChild(bar);
      bal.appendChild(row);
    });
    view.appendChild(bal);
    var h = box(W.htlcs), ul = el("ul");
    if (s.htlcs.length === 0) ul.appendChild(el("li", "", W.no_htlc));
    s.htlcs.forEach(function (x) {
      var li = el("li");
      li.appendChild(el("b", "", x.amount + " "));
      li.appendChild(el("span", "mono", x.text));
      li.appendChild(el("span", "status", " — " + x.status));
      ul.appendChild(li);
    });
    h.appendChild(ul);
    view.appendChild(h);
    var t = box(W.txs), tl = el("ul");
    if (s.txs.length === 0) tl.appendChild(el("li", "", W.no_tx));
    s.txs.forEach(function (x) {
      var li = el("li");
      li.appendChild(el("div", "", x.text));
      li.appendChild(el("div", "mono", "txid " + x.txid));
      var outs = el("ul");
      x.outs.forEach(function (o) { outs.appendChild(el("li", "mono", o[0] + ": " + o[1])); });
      li.appendChild(outs);
      tl.appendChild(li);
    });
    t.appendChild(tl);
    view.appendChild(t);
  }
  document.getElementById("first").onclick = function () { show(0); };
  document.getElementById("prev").onclick = function () { show(at - 1); };
  document.getElementById("next").onclick = function () { show(at + 1); };
  document.getElementById("last").onclick = function () { show(steps.length - 1); };
  slider.oninput = function () { show(parseInt(slider.value, 10)); };
  document.addEventListener("keydown", function (e) {
    if (e.key === "ArrowRight") show(at + 1);
    else if (e.key === "ArrowLeft") show(at - 1);
    else if (e.key === "Home") show(0);
    else if (e.key === "End") show(steps.length - 1);
  });
  var m = /[#&]step=(\d+)/.exec(location.hash);
  show(m ? parseInt(m[1], 10) : 0);
})();
