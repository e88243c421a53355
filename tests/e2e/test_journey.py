"""A new user's first visit, in a real browser: sign up in Spanish, switch to English,
add a teammate, see a validation message beside its field, log out."""

from __future__ import annotations

import re
import secrets
from typing import TYPE_CHECKING

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture then skips, or fails when CI=true
    expect = None

if TYPE_CHECKING:
    from playwright.sync_api import Page

PASSWORD = "correct-horse-battery"


# --- helpers ------------------------------------------------------------------------------


def heading(page: Page, name: str):
    return page.get_by_role("heading", level=1, name=name, exact=True)


def flash(page: Page, text: str):
    return page.get_by_role("status").get_by_text(text, exact=True)


def sign_up(page: Page, organization: str, name: str, email: str, password: str) -> None:
    page.get_by_label("Nombre de la organización", exact=True).fill(organization)
    page.get_by_label("Tu nombre", exact=True).fill(name)
    page.get_by_label("Correo electrónico", exact=True).fill(email)
    page.get_by_label("Contraseña", exact=True).fill(password)
    page.get_by_role("button", name="Crear cuenta", exact=True).click()


def log_in(page: Page, email: str, password: str, *, button: str = "Iniciar sesión") -> None:
    expect(page.get_by_role("button", name=button, exact=True)).to_be_visible()
    form = page.locator("main form")
    form.get_by_label(re.compile("^(Correo electrónico|Email)$")).fill(email)
    form.get_by_label(re.compile("^(Contraseña|Password)$")).fill(password)
    page.get_by_role("button", name=button, exact=True).click()


def log_out(page: Page, *, button: str) -> None:
    page.get_by_role("button", name=button, exact=True).click()


def switch_language(page: Page, language: str) -> None:
    page.get_by_role("button", name=language, exact=True).click()
    expect(page.get_by_role("button", name=language, exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )


def fill_teammate(page: Page, *, name: str, email: str, role: str, password: str) -> None:
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Role", exact=True).select_option(role)
    page.get_by_label("Initial password", exact=True).fill(password)
    page.get_by_role("button", name="Add teammate", exact=True).click()


def open_add_teammate(page: Page) -> None:
    page.get_by_role("navigation", name="Main navigation").get_by_role(
        "link", name="Team", exact=True
    ).click()
    expect(heading(page, "Team")).to_be_visible()
    page.get_by_role("link", name="Add teammate", exact=True).click()
    expect(heading(page, "Add teammate")).to_be_visible()


# --- the journey ---------------------------------------------------------------------------


@pytest.mark.e2e
def test_new_user_journey(live_server, open_tab, tmp_path):
    tab = open_tab(locale="es-ES")
    page = tab.page
    url = live_server.url
    suffix = secrets.token_hex(4)
    owner_email = f"ana-{suffix}@example.com"
    mate = {"name": "Bruno Contable", "email": f"bruno-{suffix}@example.com"}

    # Sign up, in Spanish: the browser asks for es-ES, nobody chose a language yet.
    page.goto(f"{url}/signup")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(heading(page, "Crea tu cuenta")).to_be_visible()
    sign_up(page, "Ferretería Ana", "Ana Pérez", owner_email, PASSWORD)

    # The dashboard of a new organisation: zeros and empty charts, in Spanish, welcomed.
    expect(page).to_have_url(f"{url}/")
    expect(heading(page, "Panel")).to_be_visible()
    expect(flash(page, "¡Bienvenido! Tu organización está lista.")).to_be_visible()
    monthly = page.locator("#chart-monthly")
    expect(monthly.get_by_text("Aún no hay nada que mostrar")).to_be_visible()
    expect(page.get_by_role("region", name="Cifras clave")).to_contain_text("Ingresos")
    expect(page.get_by_text("Ferretería Ana · Plan Gratis")).to_be_visible()
    nav = page.get_by_role("navigation", name="Navegación principal")
    expect(nav.get_by_role("link", name="Equipo", exact=True)).to_be_visible()

    # Log out, log in again.
    log_out(page, button="Cerrar sesión")
    expect(page).to_have_url(f"{url}/login")
    expect(flash(page, "Has cerrado sesión.")).to_be_visible()
    log_in(page, owner_email, PASSWORD, button="Iniciar sesión")
    expect(page).to_have_url(f"{url}/")
    expect(heading(page, "Panel")).to_be_visible()

    # Switch to English with the header's language switcher.
    switch_language(page, "English")
    expect(page).to_have_url(f"{url}/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(heading(page, "Dashboard")).to_be_visible()
    expect(page.locator("#chart-monthly").get_by_text("Nothing to show yet")).to_be_visible()
    expect(page.get_by_role("button", name="Log out", exact=True)).to_be_visible()

    # Add a teammate as Accountant; they are listed on /team.
    open_add_teammate(page)
    fill_teammate(page, role="ACCOUNTANT", password="another-good-password", **mate)
    expect(page).to_have_url(f"{url}/team/")
    expect(flash(page, f"{mate['name']} has joined the team.")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=mate["email"])
    expect(row.get_by_role("cell")).to_have_text(
        [mate["name"], mate["email"], "Accountant", "Active", "—", re.compile(r"^Edit\b")]
    )

    # A bad email comes back with its message beside the field, in English.
    open_add_teammate(page)
    fill_teammate(
        page, name="Carla", email="not-an-email", role="VIEWER", password="another-good-password"
    )
    expect(page).to_have_url(f"{url}/team/new")
    expect(page.get_by_role("alert")).to_have_text("Please correct the fields marked below.")
    email_field = page.get_by_label("Email", exact=True)
    expect(email_field).to_have_attribute("aria-invalid", "true")
    expect(email_field).to_have_accessible_description("Invalid email address")
    expect(page.locator(".field", has=email_field).locator(".field-error")).to_have_text(
        "Invalid email address"
    )
    expect(email_field).to_be_focused()  # portal.js ran: the CSP let our own script through
    expect(page.get_by_label("Name", exact=True)).to_have_value("Carla")
    expect(page.get_by_label("Name", exact=True)).not_to_have_attribute("aria-invalid", "true")

    # Log out: back on the log-in page, still in English.
    log_out(page, button="Log out")
    expect(page).to_have_url(f"{url}/login")
    expect(heading(page, "Log in")).to_be_visible()
    expect(flash(page, "You have logged out.")).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)

    screenshot = tmp_path / "journey-end.png"
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 0

    assert tab.csp_violations() == [], tab.console_errors
