"""The self check-in kiosk: a patient checks in with the slip's QR code or reference and the last
four digits of their phone, without signing in."""
