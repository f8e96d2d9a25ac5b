import base64
from datetime import timedelta

from odoo.tests import tagged

from .common_portal import PortalCommon


@tagged("post_install", "-at_install")
class TestPortalLinks(PortalCommon):
    """Every reminder gives the link to the customer's page: emails, SMS and
    letters (a short link to type and its QR code)."""

    def test_reminder_email_carries_the_link(self):
        run = self._run(self.today)
        email = run.action_ids.filtered(
            lambda a: a.channel == "email" and a.partner_id == self.customer
        )
        self.assertTrue(email.mail_id)
        url = self.customer._get_dunning_portal_url(self.company)
        self.assertIn(f"/my/reminders/{self.token}", url)
        self.assertIn(f'href="{url}"', email.mail_id.body_html)

    def test_reminder_sms_carries_the_link(self):
        self._run(self.today)
        action = self._actions(channel="email")[:1]
        template = self.env.ref("account_dunning.sms_template_dunning_reminder")
        body = template._render_field("body", action.ids)[action.id]
        self.assertIn(f"/my/reminders/{self.token}", body)

    def test_letter_carries_a_short_link_and_its_qr_code(self):
        self._set_level(self.inv_old, self.level_call, self.today - timedelta(days=15))
        run = self._run(self.today)
        letter = run.action_ids.filtered(lambda a: a.channel == "letter")
        self.assertTrue(letter, "the second reminder is also a letter")
        Report = self.env["report.account_dunning.report_dunning_letter"]
        values = Report._get_letters_values(letter)[letter.id]
        short = values["portal_url"]
        self.assertRegex(short, r"/rl/(\w{4}-){4}\w{4}$")
        self.assertEqual(short.rsplit("/", 1)[-1].replace("-", ""), self.token)
        self.assertTrue(values["portal_qr"].startswith("data:image/png;base64,"))
        png = base64.b64decode(values["portal_qr"].split(",", 1)[1])
        self.assertEqual(png[:8], b"\x89PNG\r\n\x1a\n")
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html(
                "account_dunning.action_report_dunning_letter", letter.ids
            )[0]
            .decode()
        )
        self.assertIn(short, html)
        self.assertIn('src="data:image/png;base64,', html)

    def test_link_of_another_company_says_which(self):
        url = self.customer._get_dunning_portal_url(self.company)
        if self.company == self.env.ref("base.main_company"):
            self.assertNotIn("?company=", url)
        else:
            self.assertTrue(url.endswith(f"?company={self.company.id}"))
        self.assertFalse(self.customer._get_dunning_portal_url().endswith("="))
