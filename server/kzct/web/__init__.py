"""The HTTP face of kzct (Flask). ``kzct.web.app.create_app`` builds it."""
