/* Voxdesk web chat widget. Embed: <script src="https://desk.example/webchat/widget.js" async></script>
 * Everything shown is set with textContent, never innerHTML, so messages cannot inject markup. */
(function () {
  "use strict";
  var script = document.currentScript;
  var base = new URL(script ? script.src : "/", window.location.href).origin;
  var KEY = "voxdesk_visitor_token";
  var ws = null, typingTimer = null, lastSeenId = 0, shown = {};

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = String(text);
    return node;
  }

  var box = el("div", "vxd-chat");
  box.style.cssText = "position:fixed;bottom:16px;right:16px;width:300px;font:14px sans-serif;" +
    "background:#fff;border:1px solid #ccc;border-radius:8px;box-shadow:0 2px 8px #0003;z-index:99999";
  var head = el("div", "vxd-head", "Chat with us");
  head.style.cssText = "padding:8px;background:#245;color:#fff;border-radius:8px 8px 0 0;cursor:pointer";
  var log = el("div", "vxd-log");
  log.style.cssText = "height:240px;overflow-y:auto;padding:8px";
  var typing = el("div", "vxd-typing", "");
  typing.style.cssText = "height:16px;padding:0 8px;color:#888;font-size:12px";
  var form = el("form", "vxd-form");
  var name = el("input"); name.placeholder = "Your name"; name.maxLength = 200;
  var contact = el("input"); contact.placeholder = "E-mail or phone (optional)"; contact.maxLength = 255;
  var input = el("input"); input.placeholder = "Type a message"; input.maxLength = 4000;
  [name, contact, input].forEach(function (i) { i.style.cssText = "width:95%;margin:2px 4px"; form.appendChild(i); });
  // A form with several text fields is only submitted by Enter when it has a submit button.
  var send = el("button", "vxd-send", "Send"); send.type = "submit";
  send.style.cssText = "margin:2px 4px 6px";
  form.appendChild(send);
  box.appendChild(head); box.appendChild(log); box.appendChild(typing); box.appendChild(form);

  function show(id, author, body, mine) {
    if (id) { if (shown[id]) return; shown[id] = true; }  // history and a live event can overlap
    var line = el("div", "vxd-msg");
    line.style.cssText = "margin:4px 0;text-align:" + (mine ? "right" : "left");
    line.appendChild(el("b", null, author + ": "));
    line.appendChild(el("span", null, body));
    log.appendChild(line);
    log.scrollTop = log.scrollHeight;
  }

  function markRead(id) {
    if (id > lastSeenId && ws && ws.readyState === 1) {
      lastSeenId = id;
      ws.send(JSON.stringify({ type: "read", up_to_message_id: id }));
    }
  }

  function onEvent(msg) {
    if (msg.type === "ready") {
      (msg.history || []).forEach(function (m) { show(m.id, m.author_name || m.author_kind, m.body, m.author_kind === "customer"); });
      var last = (msg.history || []).slice(-1)[0];
      if (last) markRead(last.id);
    } else if (msg.type === "conversation.message") {
      var d = msg.data, mine = d.author_kind === "customer";
      show(d.message_id, mine ? "You" : (d.author_name || "Agent"), d.body, mine);
      if (!mine) markRead(d.message_id);
    } else if (msg.type === "conversation.typing" && msg.data.author_kind !== "customer") {
      typing.textContent = msg.data.typing ? "Agent is typing..." : "";
    } else if (msg.type === "conversation.read" && msg.data.reader_kind !== "customer") {
      typing.textContent = "Seen";
    } else if (msg.type === "error") {
      show(null, "Error", msg.message, false);
    }
  }

  function connect(token, hello) {
    ws = new WebSocket(base.replace(/^http/, "ws") + "/ws/webchat/visitor?visitor_token=" + encodeURIComponent(token));
    ws.onopen = function () { ws.send(JSON.stringify(hello)); };
    ws.onmessage = function (e) { try { onEvent(JSON.parse(e.data)); } catch (err) { /* ignore bad frames */ } };
    ws.onclose = function () { ws = null; };
  }

  function start(hello) {
    var token = window.localStorage.getItem(KEY);
    if (token) { connect(token, hello); return; }
    fetch(base + "/api/webchat/visitors", { method: "POST" })
      .then(function (r) { return r.json(); })
      .then(function (j) { window.localStorage.setItem(KEY, j.visitor_token); connect(j.visitor_token, hello); });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    if (!ws) {
      var c = contact.value.trim(), hello = { type: "hello", name: name.value.trim() };
      if (c.indexOf("@") > 0) hello.email = c; else if (c) hello.phone = c;
      start(hello);
      var pending = text;
      var wait = setInterval(function () {
        if (ws && ws.readyState === 1) { clearInterval(wait); ws.send(JSON.stringify({ type: "message", body: pending })); }
      }, 100);
    } else {
      ws.send(JSON.stringify({ type: "message", body: text }));
    }
    input.value = "";
  });

  input.addEventListener("input", function () {
    if (!ws || ws.readyState !== 1) return;
    ws.send(JSON.stringify({ type: "typing", typing: true }));
    clearTimeout(typingTimer);
    typingTimer = setTimeout(function () { if (ws) ws.send(JSON.stringify({ type: "typing", typing: false })); }, 2000);
  });

  document.body.appendChild(box);
})();
