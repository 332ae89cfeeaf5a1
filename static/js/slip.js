// The slip's printing: a static file, so the Content-Security-Policy needs no inline code.
// The print button (and, on a page opened with ?print=1, the page load, once) opens the print
// dialog and tells the desk the slip was printed, which clears its "reprint" flag.
(function () {
  var recorded = false;

  function recordPrint() {
    var form = document.querySelector("[data-print-record]");
    if (recorded || !form) { return; }
    recorded = true;
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      keepalive: true
    }).catch(function () { recorded = false; });
  }

  function printSlip() {
    recordPrint();
    window.print();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", printSlip);
    });
    // The browser's own Print command counts too.
    window.addEventListener("beforeprint", recordPrint);
  });

  function printOnOpen() {
    if (document.querySelector("[data-auto-print]")) { printSlip(); }
  }
  if (document.readyState === "complete") {
    printOnOpen();
  } else {
    window.addEventListener("load", printOnOpen);
  }
})();
