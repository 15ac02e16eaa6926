from services.signing.app import runtime

runtime.run()
