// The console's only script: plain-language hints while an answer is typed. Everything works without it.
(function () {
  "use strict";
  var form = document.getElementById("editor");
  var list = document.getElementById("hints");
  if (!form || !list) { return; }
  var csrf = form.querySelector("input[name=csrf]").value;
  var timer = null;
  function field(name) { var el = form.querySelector("[name=" + name + "]"); return el ? el.value : ""; }
  function show(hints) {
    list.textContent = "";
    if (!hints.length) {
      var li = document.createElement("li");
      li.className = "muted";
      li.textContent = "Замечаний нет: ответ написан просто и понятно.";
      list.appendChild(li);
      return;
    }
    hints.forEach(function (text) {
      var item = document.createElement("li");
      item.textContent = text;
      list.appendChild(item);
    });
  }
  function ask() {
    var body = JSON.stringify({
      id: field("id"), topic_id: field("topic_id"), question: field("question"), answer: field("answer"),
      answer_citizen: field("answer_citizen"), answer_business: field("answer_business")
    });
    fetch("/kb/hints", {
      method: "POST", credentials: "same-origin", body: body,
      headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf}
    }).then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) { show(data.hints); } })
      .catch(function () { /* hints are a help, never a blocker */ });
  }
  form.querySelectorAll("[data-hints]").forEach(function (el) {
    el.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(ask, 400);
    });
  });
})();
