from services.seal.app import runtime

runtime.run()
