from services.notify.app import runtime

runtime.run()
