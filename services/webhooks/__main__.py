from services.webhooks.app import runtime

runtime.run()
