"""Command-line tasks: create or upgrade the schema, demo data, the first administrator."""

import click

from models import RuleError, User, db
from models.demo import load_demo
from models.schema import backup_sqlite, restore_sqlite, upgrade


def register_commands(app):
    @app.cli.command("init-db")
    def init_db():
        """Create the schema or upgrade it to the newest migration."""
        with db.connection_context():
            applied = upgrade()
        click.echo(f"Schema up to date ({len(applied)} migration(s) applied).")

    @app.cli.command("demo")
    def demo():
        """Load realistic Chinese demo data (only into an empty database)."""
        with db.connection_context():
            upgrade()
            if User.select().exists():
                click.echo("The database already has users; demo data not loaded.")
                return
            load_demo()
        click.echo("Demo data loaded. Sign in as admin, clerk, manager, tech1, tech2 or finance")
        click.echo("with the password demo1234.")

    @app.cli.command("backup")
    @click.argument("destination", type=click.Path(dir_okay=False, writable=True))
    def backup(destination):
        """Copy the live SQLite database to DESTINATION (safe while the app runs)."""
        try:
            backup_sqlite(destination)
        except RuntimeError as error:
            raise click.ClickException(str(error)) from error
        click.echo(f"Backed up to {destination}.")

    @app.cli.command("restore")
    @click.argument("source", type=click.Path(exists=True, dir_okay=False))
    @click.confirmation_option(prompt="Replace the whole database with this backup?")
    def restore(source):
        """Replace the SQLite database's content with the backup SOURCE."""
        try:
            restore_sqlite(source)
        except RuntimeError as error:
            raise click.ClickException(str(error)) from error
        click.echo(f"Restored from {source}.")

    @app.cli.command("create-user")
    @click.option("--username", prompt=True)
    @click.option("--name", "full_name", prompt=True)
    @click.option(
        "--role",
        type=click.Choice(["admin", "clerk", "manager", "technician", "finance"]),
        default="admin",
        show_default=True,
    )
    @click.password_option()
    def create_user(username, full_name, role, password):
        """Create a user, for example the first administrator."""
        with db.connection_context():
            try:
                User.create_user(username, full_name, role, password)
            except RuleError as error:
                raise click.ClickException(str(error)) from error
        click.echo(f"User {username} created.")
