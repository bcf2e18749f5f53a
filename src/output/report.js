(function () {
  "use strict";
  var errors = [];
  window.addEventListener("error", function (e) { errors.push(String(e.message)); });
  var D = JSON.parse(document.getElementById("data").textContent);
  var steps = D.steps, i = 0;
  var $ = function (id) { return document.getElementById(id); };
  function units(sat) {
    var per = D.sat_per_unit, whole = Math.floor(sat / per), frac = sat % per;
    if (frac === 0) return whole + " " + D.unit;
    var digits = String(per).length - 1, f = String(frac);
    while (f.length < digits) f = "0" + f;
    return whole + "." + f.replace(/0+$/, "") + " " + D.unit;
  }
  function esc(s) { return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;"); }
  function who(name) { return '<span class="' + (name === D.payer ? "who-payer" : "who-payee") + '">' + esc(name) + "</span>"; }
  function pct(sat) { return (100 * sat / D.capacity) + "%"; }
  function render() {
    if (steps.length === 0) {
      $("step").innerHTML = "<p>No commitment was signed: the settlement refunds " + esc(D.payer) + ".</p>";
      $("position").textContent = "no commitments";
      return;
    }
    var s = steps[i];
    $("slider").value = i;
    $("position").textContent = "commitment #" + s.seq + " of " + D.total;
    var outs = s.outs.map(function (o) { return "<li>" + who(o[0]) + ": " + units(o[1]) + "</li>"; }).join("");
    var labels = D.witness_labels, last = labels.length - 1;
    var items = s.wit.map(function (h, k) {
      return "<li>" + esc(labels[Math.min(k, last - 1)]) +
        (h ? ' <span class="mono">' + esc(h) + "</span>" : " <i>(empty)</i>") + "</li>";
    }).join("");
    var lock = D.lock_words ? " " + esc(D.lock_words.replace("{lock}", s.lock).replace("{next}", s.lock + 1)) : "";
    var revealed = s.point ? '<p class="keys">holder\'s per-commitment point <span class="mono">' + esc(s.point) +
      "</span>" + (s.secret ? '<br>secret of the previous state, handed over <span class="mono">' + esc(s.secret) + "</span>" : "") +
      "</p>" : "";
    var trimmed = s.trimmed === "none" ? "" :
      " <i>(" + (s.trimmed === "payee" ? esc(D.payee) : esc(D.payer)) + "'s output is below the 294-sat dust limit and left out)</i>";
    $("step").innerHTML =
      '<p><b>' + s.elapsed + " s</b> of video paid for (clock " + s.clock + " s, segment " + s.segment + ", " +
      units(s.rate) + "/s). " + esc(D.payer) + " signs commitment #" + s.seq + ": <b>" + units(s.payee) + "</b> to " +
      who(D.payee) + ", <b>" + units(s.payer) + "</b> back to " + who(D.payer) + ". " + esc(D.step_words) + lock +
      trimmed + "</p>" + revealed +
      '<div class="bar"><div class="payer" style="width:' + pct(s.payer) + '">' + esc(D.payer) + " " + units(s.payer) +
      '</div><div class="payee" style="width:' + pct(s.payee) + '">' + esc(D.payee) + " " + units(s.payee) +
      '</div><div class="fee" style="width:' + pct(s.fee) + '"></div></div>' +
      '<div class="tx"><div><h3>Transaction</h3><p class="mono">txid ' + esc(s.txid) + "</p><p>" + s.vsize +
      " vB, fee " + s.fee + " sat</p><p>input: the funding output <span class=\"mono\">" + esc(D.funding_outpoint) +
      "</span></p><p>outputs:</p><ul>" + outs + "</ul></div>" +
      '<div><h3>Witness</h3><ol class="witness" start="0">' + items +
      (s.wit.length ? "<li>" + esc(labels[last]) + ' <span class="mono">' + esc(D.witness_script) + "</span></li>" : "") +
      "</ol></div></div>";
  }
  function go(k) { i = Math.max(0, Math.min(steps.length - 1, k)); render(); }
  $("slider").max = Math.max(0, steps.length - 1);
  $("slider").addEventListener("input", function () { go(Number(this.value)); });
  $("first").onclick = function () { go(0); };
  $("prev").onclick = function () { go(i - 1); };
  $("next").onclick = function () { go(i + 1); };
  $("last").onclick = function () { go(steps.length - 1); };
  document.addEventListener("keydown", function (e) {
    if (e.key === "ArrowRight") go(i + 1);
    else if (e.key === "ArrowLeft") go(i - 1);
    else if (e.key === "Home") go(0);
    else if (e.key === "End") go(steps.length - 1);
  });
  if (D.steps.length < D.total) {
    $("sample-note").textContent = "(showing " + D.steps.length + " of " + D.total + " commitments, evenly sampled)";
  }
  render();
  if (/[?&]selftest=1/.test(location.search)) {
    var out = [], ok = true;
    var check = function (c, what) { if (!c) { ok = false; out.push("FAIL " + what); } };
    if (steps.length > 1) {
      var before = $("position").textContent;
      $("next").click();
      check($("position").textContent !== before, "next moves the stepper");
      check($("step").textContent.indexOf("#" + steps[1].seq + ":") >= 0, "step shows commitment #" + steps[1].seq);
      var s = $("slider"); s.value = String(steps.length - 1); s.dispatchEvent(new Event("input"));
      check($("position").textContent.indexOf("#" + steps[steps.length - 1].seq + " ") >= 0, "slider reaches the last");
      $("first").click();
      check(i === 0, "first returns");
    }
    check(errors.length === 0, "no errors: " + errors.join("; "));
    out.push(ok ? "SELFTEST PASS" : "SELFTEST FAIL");
    $("selftest").hidden = false;
    $("selftest").textContent = out.join("\n");
    if (steps.length > 1) { go(Math.min(steps.length - 1, 1)); }
  }
})();
