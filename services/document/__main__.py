from services.document.app import runtime

runtime.run()
