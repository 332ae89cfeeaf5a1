// The self check-in kiosk: a static file, so the Content-Security-Policy needs no inline code.
// Everything here is an enhancement; the form works without it.
(function () {
  "use strict";

  // A USB scanner types the slip's QR code, the status page's address, like a keyboard.
  // While it types, the address is whole once its last slash has come.
  var STATUS_ADDRESS = /\/status\/([A-Za-z0-9]+)\/?/;
  var WHOLE_STATUS_ADDRESS = /\/status\/([A-Za-z0-9]+)\/$/;

  function referenceFrom(text, pattern) {
    var found = (pattern || STATUS_ADDRESS).exec(text);
    return found ? found[1].toLowerCase() : null;
  }

  function setUp(form) {
    var reference = form.querySelector("[data-kiosk-reference]");
    var digits = form.querySelector("[data-kiosk-digits]");
    var target = reference;

    function takeScan(text, pattern) {
      var found = referenceFrom(text, pattern);
      if (found) {
        reference.value = found;
        digits.focus();
        target = digits;
        return true;
      }
      return false;
    }

    reference.addEventListener("input", function () {
      takeScan(reference.value, WHOLE_STATUS_ADDRESS);
    });
    reference.addEventListener("keydown", function (event) {
      // The scanner ends with Enter: go on to the digits instead of sending half a form.
      if (event.key === "Enter" && !digits.value) {
        event.preventDefault();
        takeScan(reference.value);
        digits.focus();
      }
    });
    [reference, digits].forEach(function (input) {
      input.addEventListener("focus", function () { target = input; });
    });
    if (!reference.value) {
      reference.focus();
    } else {
      digits.focus();
    }

    setUpKeyboard(form, function () { return target; });
    setUpCamera(form, takeScan);
    setUpIdleReset(form);
  }

  // The on-screen keyboard types into the field last touched.
  function setUpKeyboard(form, currentInput) {
    var keyboard = form.querySelector("[data-kiosk-keyboard]");
    if (!keyboard) { return; }
    keyboard.hidden = false;
    keyboard.addEventListener("pointerdown", function (event) {
      if (event.target.closest("[data-key]")) { event.preventDefault(); }  // keep the focus
    });
    keyboard.addEventListener("click", function (event) {
      var key = event.target.closest("[data-key]");
      if (!key) { return; }
      var input = currentInput();
      var value = input.value;
      if (key.dataset.key === "backspace") {
        input.value = value.slice(0, -1);
      } else if (key.dataset.key === "clear") {
        input.value = "";
      } else if (value.length < input.maxLength) {
        input.value = value + (input.hasAttribute("data-kiosk-reference") ? key.dataset.key.toLowerCase() : key.dataset.key);
      }
      input.focus();
    });
  }

  // Where the browser offers BarcodeDetector, the kiosk's camera can read the slip's QR code.
  function setUpCamera(form, takeScan) {
    var start = form.querySelector("[data-kiosk-camera]");
    var panel = form.querySelector("[data-kiosk-scanner]");
    var video = form.querySelector("[data-kiosk-video]");
    var stop = form.querySelector("[data-kiosk-camera-stop]");
    if (!start || !("BarcodeDetector" in window) || !navigator.mediaDevices ||
        !navigator.mediaDevices.getUserMedia) { return; }
    var stream = null;
    var timer = null;

    function close() {
      if (timer) { clearInterval(timer); timer = null; }
      if (stream) { stream.getTracks().forEach(function (track) { track.stop(); }); stream = null; }
      panel.hidden = true;
    }

    window.BarcodeDetector.getSupportedFormats().then(function (kinds) {
      if (kinds.indexOf("qr_code") === -1) { return; }
      var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      start.hidden = false;
      start.addEventListener("click", function () {
        navigator.mediaDevices.getUserMedia({ video: { facingMode: "user" } }).then(function (media) {
          stream = media;
          video.srcObject = media;
          panel.hidden = false;
          video.play();
          timer = setInterval(function () {
            detector.detect(video).then(function (codes) {
              for (var i = 0; i < codes.length; i++) {
                if (takeScan(codes[i].rawValue)) { close(); return; }
              }
            }).catch(function () {});
          }, 300);
        }).catch(close);
      });
      stop.addEventListener("click", close);
    }).catch(function () {});
  }

  // A patient who walks away mid-way: clear the page for the next one.
  function setUpIdleReset(form) {
    var seconds = parseInt(form.dataset.idleSeconds, 10);
    var url = form.dataset.resetUrl;
    if (!seconds || !url) { return; }
    var timer = null;
    function restart() {
      if (timer) { clearTimeout(timer); }
      timer = setTimeout(function () { window.location.replace(url); }, seconds * 1000);
    }
    ["input", "pointerdown", "keydown"].forEach(function (name) {
      document.addEventListener(name, restart, true);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("[data-kiosk-form]");
    if (form) { setUp(form); }
  });
})();
