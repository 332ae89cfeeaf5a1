"""The one error shape of the API: {"error": {"code", "message", "details"}}."""


def error_body(code: str, message: str, details: dict | list | None = None) -> dict:
    return {"error": {"code": code, "message": message, "details": details or {}}}
