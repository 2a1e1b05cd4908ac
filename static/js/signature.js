/* 送达回证 signed on screen: a signing pad for every hidden input marked data-signature-pad. The drawing is
   written into the input as a PNG data URL when the pen lifts; "重签" clears it. No inline scripts (CSP). */
(function () {
  "use strict";
  document.querySelectorAll("input[data-signature-pad]").forEach(function (input) {
    var canvas = document.createElement("canvas");
    canvas.width = 480;
    canvas.height = 160;
    canvas.className = "signature-pad";
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", "签名区：请用鼠标、手指或手写笔签名");
    canvas.style.border = "1px solid #888";
    canvas.style.touchAction = "none";
    canvas.style.maxWidth = "100%";
    canvas.style.background = "#fff";
    var clear = document.createElement("button");
    clear.type = "button";
    clear.className = "button secondary";
    clear.textContent = "重签";
    input.insertAdjacentElement("afterend", clear);
    input.insertAdjacentElement("afterend", canvas);
    var ctx = canvas.getContext("2d");
    ctx.lineWidth = 2.5;
    ctx.lineCap = "round";
    ctx.strokeStyle = "#111";
    var drawing = false;
    var drawn = false;

    function point(event) {
      var box = canvas.getBoundingClientRect();
      return [(event.clientX - box.left) * canvas.width / box.width, (event.clientY - box.top) * canvas.height / box.height];
    }
    canvas.addEventListener("pointerdown", function (event) {
      drawing = true;
      canvas.setPointerCapture(event.pointerId);
      var p = point(event);
      ctx.beginPath();
      ctx.moveTo(p[0], p[1]);
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) return;
      var p = point(event);
      ctx.lineTo(p[0], p[1]);
      ctx.stroke();
      drawn = true;
    });
    function finish() {
      if (!drawing) return;
      drawing = false;
      if (drawn) input.value = canvas.toDataURL("image/png");
    }
    canvas.addEventListener("pointerup", finish);
    canvas.addEventListener("pointercancel", finish);
    clear.addEventListener("click", function () {
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      input.value = "";
      drawn = false;
    });
  });
})();
