/* 朗读 (read aloud, 适老化): the page's main content spoken by the browser's own speech synthesis (zh-CN).
   The button stays hidden where the browser has none; nothing is sent anywhere. No inline scripts (CSP). */
(function () {
  "use strict";
  var synth = window.speechSynthesis;
  var button = document.getElementById("read-aloud");
  if (!button || !synth || typeof window.SpeechSynthesisUtterance !== "function") return;

  var label = button.textContent;
  var reading = false;

  function text() {
    var main = document.getElementById("main");
    if (!main) return "";
    var copy = main.cloneNode(true);
    // Not read: forms' hidden parts, scripts, and anything marked as not for reading.
    copy.querySelectorAll("script, style, template, [hidden], [aria-hidden=true], [data-no-read], .visually-hidden input")
      .forEach(function (node) { node.remove(); });
    return (copy.innerText || copy.textContent || "").replace(/\s+/g, " ").trim();
  }

  function chunks(all) {
    // Long utterances are cut off by some engines: speak sentence by sentence, at most ~120 characters.
    var parts = all.match(/[^。！？；!?;\n]+[。！？；!?;]?/g) || [];
    var out = [];
    parts.forEach(function (part) {
      while (part.length > 120) { out.push(part.slice(0, 120)); part = part.slice(120); }
      if (part.trim()) out.push(part);
    });
    return out;
  }

  function voice() {
    var voices = synth.getVoices() || [];
    for (var i = 0; i < voices.length; i++) {
      if (/^zh(-|_)?(CN|Hans)?/i.test(voices[i].lang)) return voices[i];
    }
    return null;
  }

  function stop() {
    reading = false;
    synth.cancel();
    button.textContent = label;
  }

  function start() {
    var parts = chunks(text());
    if (!parts.length) return;
    synth.cancel();
    reading = true;
    button.textContent = button.getAttribute("data-stop") || label;
    var chosen = voice();
    parts.forEach(function (part, index) {
      var utterance = new window.SpeechSynthesisUtterance(part);
      utterance.lang = "zh-CN";
      utterance.rate = document.documentElement.classList.contains("elder") ? 0.85 : 1;
      if (chosen) utterance.voice = chosen;
      if (index === parts.length - 1) utterance.onend = function () { if (reading) stop(); };
      synth.speak(utterance);
    });
  }

  button.hidden = false;
  button.addEventListener("click", function () { if (reading) { stop(); } else { start(); } });
  window.addEventListener("pagehide", function () { synth.cancel(); });
})();
