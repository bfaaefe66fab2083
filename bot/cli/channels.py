"""`dorpsplein serve` and `dorpsplein telegram`: the channels on the command line."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli.support import ConfigOption, DemoOption, operator_errors, runtime_for
from core.errors import ConfigError


@operator_errors
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=1,
            max=64,
            help="Server processes on this port, all on the one database (README: Deployment).",
        ),
    ] = 1,
    config: ConfigOption = None,
    demo: DemoOption = False,
) -> None:
    """Run the webhooks (Twilio SMS, WhatsApp, voice; Telegram), the pages for the coordinator,
    shops and courier (/login), and the outbox worker."""
    import os

    from bot.processes import serve_processes
    from bot.secrets import load_secrets
    from bot.senders import outbox_log_path
    from bot.settings import config_path
    from bot.web import SERVE_DEMO, Service, build_server

    runtime = runtime_for(config, demo)
    secrets = load_secrets(runtime.settings)
    where = f"http://{host}:{port}"
    typer.echo(f"Pages for the coordinator, shops and courier: {where}/login", err=True)
    if workers > 1:
        # Each process builds its own app from the same configuration (bot.web.app_from_env):
        # the database is what they share; the schema was checked above, once.
        runtime.engine.dispose()
        os.environ["DORPSPLEIN_CONFIG"] = str(config_path(config).resolve())
        os.environ[SERVE_DEMO] = "1" if demo else ""
        serve_processes("bot.web:app_from_env", host=host, port=port, processes=workers)
        return
    service = Service(runtime, secrets=secrets, log_file=outbox_log_path(config_path(config)))
    try:
        build_server(service.app, host=host, port=port).run()
    finally:
        service.close()


@operator_errors
def telegram(
    polling: Annotated[
        bool, typer.Option("--polling", help="Fetch updates from Telegram: no public URL needed.")
    ] = False,
    worker: Annotated[
        bool, typer.Option("--worker/--no-worker", help="Also send what the outbox holds.")
    ] = True,
    config: ConfigOption = None,
    demo: DemoOption = False,
) -> None:
    """Run the Telegram bot by long polling (webhooks are served by `dorpsplein serve`)."""
    from bot.channels.senders import ChannelSenders
    from bot.channels.telegram_bot import TelegramBot
    from bot.secrets import load_secrets
    from bot.senders import default_senders, outbox_log_path
    from bot.settings import config_path
    from bot.web import TELEGRAM_UPDATES, rate_limiter
    from bot.wiring import build_dialogue
    from bot.words import Words
    from bot.worker import BackgroundWorker, logged_pass

    if not polling:
        typer.echo(
            "Telegram webhooks are served by `dorpsplein serve` (with public_url set); "
            "use `dorpsplein telegram --polling` to run without a public URL.",
            err=True,
        )
        raise typer.Exit(2)
    runtime = runtime_for(config, demo)
    settings = runtime.settings
    if not settings.channels.telegram.enabled:
        raise ConfigError(key="channels.telegram.enabled", reason="set it to true to use Telegram")
    secrets = load_secrets(settings, telegram_webhook=False)
    assert secrets.telegram_bot_token is not None
    dialogue = build_dialogue(runtime)
    application = TelegramBot(
        dialogue=dialogue,
        sessions=runtime.sessions,
        settings=settings,
        words=Words(),
        limiter=rate_limiter(runtime),
    ).build(token=secrets.telegram_bot_token, base_url=secrets.telegram_api_base_url, polling=True)
    others = default_senders(log_file=outbox_log_path(config_path(config)), echo=typer.echo)
    senders = ChannelSenders(runtime, secrets, others=others)
    background = BackgroundWorker(logged_pass(runtime, senders.senders)) if worker else None
    if background is not None:
        background.start()
    typer.echo("Telegram bot running by long polling; Ctrl-C stops it.", err=True)
    try:
        # Starting to poll removes a webhook that may still be set: Telegram allows only one.
        application.run_polling(allowed_updates=TELEGRAM_UPDATES)
    finally:
        if background is not None:
            background.stop()
        senders.close()
