import uvicorn

from gateway.app import create_app
from services.common.settings import get_settings

settings = get_settings()
uvicorn.run(
    create_app(settings),
    host=settings.gateway_host,
    port=settings.gateway_port,
    log_level="warning",
    proxy_headers=True,
)
