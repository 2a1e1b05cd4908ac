// The kiosk's ticket page: print the ticket, then go back to the start after a while (unattended kiosk).
(function () {
  "use strict";
  var button = document.getElementById("print-ticket");
  if (button) button.addEventListener("click", function () { window.print(); });
  var back = document.getElementById("back-to-kiosk");
  if (back) setTimeout(function () { window.location.href = back.href; }, 60000);
})();
