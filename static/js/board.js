// The display board: polls the board's JSON (GET /api/v1/queue/board) every few seconds, shows the calls,
// chimes and reads each new call aloud in Chinese (speechSynthesis), and reconnects by itself: a failed
// poll (or one left unanswered for 10 s) backs off up to 30 s and shows it, the next success resumes.
// Polling rather than a held-open stream: it works under gunicorn's sync workers and through any proxy. The page reloads itself every
// six hours so that a TV left on for days picks up new code and never grows.
(function () {
  "use strict";
  var root = document.getElementById("board");
  if (!root) return;
  var api = root.getAttribute("data-api");
  var calls = document.getElementById("board-calls");
  var waiting = document.getElementById("board-waiting");
  var announce = document.getElementById("board-announce");
  var status = document.getElementById("board-status");
  var clock = document.getElementById("board-clock");
  var soundButton = document.getElementById("board-sound");
  var seen = null; // keys "window|ticket|at" already announced (null until the first poll)
  var delay = 3000, soundOn = false, audio = null, queue = [], speaking = false;
  var DIGITS = "零一二三四五六七八九";
  var POLL_TIMEOUT = 10000; // a stalled connection is given up, else the polling would stop for good
  var SPEECH_TIMEOUT = 15000; // some engines never report an utterance's end: go on without it
  var MAX_QUEUE = 10; // calls waiting to be read out: the oldest are dropped (their rows are on screen)

  function spoken(number) {
    return number.replace(/\d/g, function (d) { return DIGITS[Number(d)]; });
  }

  function chime() {
    if (!soundOn) return;
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      [660, 880].forEach(function (freq, i) {
        var osc = audio.createOscillator(), gain = audio.createGain();
        osc.frequency.value = freq; osc.connect(gain); gain.connect(audio.destination);
        var t = audio.currentTime + i * 0.35;
        gain.gain.setValueAtTime(0.25, t); gain.gain.exponentialRampToValueAtTime(0.001, t + 0.6);
        osc.start(t); osc.stop(t + 0.6);
      });
    } catch (e) { /* no audio on this device */ }
  }

  function speakNext() {
    if (speaking || !queue.length) return;
    var call = queue.shift();
    var text = "请" + spoken(call.ticket) + "号，到" + spoken(call.window) + "窗口办理";
    announce.textContent = "请 " + call.ticket + " 号 到 " + call.window + " 窗口办理";
    chime();
    if (!soundOn || !window.speechSynthesis) { setTimeout(speakNext, 1500); return; }
    speaking = true;
    var utterance = new SpeechSynthesisUtterance(text), ended = false, watchdog;
    utterance.lang = "zh-CN"; utterance.rate = 0.9;
    function done() {
      if (ended) return;
      ended = true; clearTimeout(watchdog); speaking = false; setTimeout(speakNext, 600);
    }
    utterance.onend = utterance.onerror = done;
    watchdog = setTimeout(function () {
      try { window.speechSynthesis.cancel(); } catch (e) { /* nothing to cancel */ }
      done();
    }, SPEECH_TIMEOUT);
    setTimeout(function () { window.speechSynthesis.speak(utterance); }, 900);
  }

  function cell(row, text, cls) {
    var td = document.createElement("td");
    td.textContent = text;
    if (cls) td.className = cls;
    row.appendChild(td);
  }

  function render(data) {
    var keys = {}, fresh = [];
    calls.textContent = "";
    data.calls.forEach(function (c) {
      var key = c.window + "|" + c.ticket + "|" + c.at;
      keys[key] = true;
      var row = document.createElement("tr");
      if (seen && !seen[key]) { row.className = "fresh"; fresh.push(c); }
      cell(row, c.ticket, "num"); cell(row, c.window + " " + c.window_name); cell(row, c.category);
      calls.appendChild(row);
    });
    if (!data.calls.length) {
      var empty = document.createElement("tr"); var td = document.createElement("td");
      td.colSpan = 3; td.textContent = "暂无叫号"; empty.appendChild(td); calls.appendChild(empty);
    }
    waiting.textContent = "";
    data.waiting.forEach(function (w) {
      var row = document.createElement("tr");
      cell(row, w.category); cell(row, String(w.count));
      waiting.appendChild(row);
    });
    clock.textContent = data.now.slice(11, 16);
    clock.setAttribute("datetime", data.now);
    seen = keys;
    fresh.reverse().forEach(function (c) { queue.push(c); });
    if (queue.length > MAX_QUEUE) queue.splice(0, queue.length - MAX_QUEUE);
    speakNext();
  }

  function poll() {
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller && setTimeout(function () { controller.abort(); }, POLL_TIMEOUT);
    fetch(api, {headers: {"Accept": "application/json"}, cache: "no-store", credentials: "same-origin",
                signal: controller ? controller.signal : undefined})
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) {
        render(data);
        delay = 3000;
        status.textContent = "实时更新中"; status.className = "board-status";
      })
      .catch(function () {
        delay = Math.min(delay * 2, 30000);
        status.textContent = "连接中断，" + Math.round(delay / 1000) + " 秒后自动重连…";
        status.className = "board-status down";
      })
      .then(function () { clearTimeout(timer); setTimeout(poll, delay); });
  }

  soundButton.addEventListener("click", function () {
    soundOn = !soundOn;
    soundButton.textContent = soundOn ? "关闭声音播报" : "开启声音播报";
    if (soundOn) chime();
  });
  setTimeout(function () { window.location.reload(); }, 6 * 3600 * 1000);
  poll();
})();
