import re
from datetime import timedelta

from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import pdf_pages
from .common_portal import PortalCommon

# werkzeug's 404 and Odoo's refused CSRF token log under these
HTTP_LOGGERS = ("odoo.http", "odoo.addons.http_routing.models.ir_http", "werkzeug")


@tagged("post_install", "-at_install")
class TestPortalPage(PortalCommon, HttpCase):
    """The customer's page, opened without login from its link: what it shows,
    and what it refuses (wrong links, other customers' invoices, bad input)."""

    def _page(self, token=None, path="", **params):
        query = "&".join(f"{key}={value}" for key, value in params.items())
        url = f"/my/reminders/{token or self.token}{path}"
        return self.url_open(f"{url}?{query}" if query else url, allow_redirects=False)

    def _post(self, answer, data, files=None):
        page = self._page()
        data = dict(data, csrf_token=self._csrf(page.text))
        return self.url_open(
            f"/my/reminders/{self.token}/{answer}",
            data=data,
            files=files,
            allow_redirects=False,
        )

    def test_page_shows_the_customers_open_invoices(self):
        draft = self._create_invoice(self.customer, self.today, amount=42.0, post=False)
        paid = self._create_invoice(self.customer, self.today, amount=43.0)
        self._pay(paid)
        cancelled = self._create_invoice(self.customer, self.today, amount=44.0)
        cancelled.button_draft()
        cancelled.button_cancel()
        bank = self.company.partner_id.bank_ids[:1] or self.env[
            "res.partner.bank"
        ].create(
            {
                "partner_id": self.company.partner_id.id,
                "acc_number": "FR7630001007941234567890185",
            }
        )
        response = self._page()
        self.assertEqual(response.status_code, 200)
        html = response.text
        for move in self.invoices:
            self.assertIn(move.name, html)
        for move in (paid, cancelled, self.other_invoice):
            self.assertNotIn(move.name, html)
        self.assertNotIn(f"/invoice/{draft.id}", html)
        self.assertEqual(html.count('class="o_dunning_invoice '), 3)
        self.assertIn(self.company.name, html)
        self.assertIn(bank.acc_number, html)
        self.assertIn(self.controller.name, html)
        self.assertIn("1,800.00", html)  # total due
        self.assertIn(f"/my/reminders/{self.token}/statement", html)
        # what the customer already said
        self.Answer._record_promise(
            self.customer,
            self.company,
            self._form(
                self.inv_old, date=str(self.today + timedelta(days=9)), amount="250"
            ),
        )
        self.assertIn("What you told us", self._page().text)

    def test_customer_with_nothing_due_still_opens_its_page(self):
        for move in self.invoices:
            self._pay(move)
        response = self._page()
        self.assertEqual(response.status_code, 200)
        self.assertIn("You have no invoice left to pay", response.text)
        self.assertNotIn("o_dunning_answers", response.text)

    @mute_logger(*HTTP_LOGGERS)
    def test_wrong_revoked_or_expired_link_is_404(self):
        old = self.token
        for token in ("a" * 20, old[:-1], "x", "%27%20OR%201=1", old.upper() + "z"):
            with self.subTest(token=token):
                response = self._page(token)
                self.assertEqual(response.status_code, 404)
                self.assertNotIn(self.customer.name, response.text)
        self.env["account.dunning.portal"].with_user(
            self._create_user("revoker", "account_dunning.group_account_dunning_user")
        )._revoke_link(self.customer)
        for path in ("", "/statement", f"/invoice/{self.inv_old.id}"):
            response = self._page(old, path)
            self.assertEqual(response.status_code, 404)
            self.assertNotIn(self.customer.name, response.text)
        self.assertEqual(
            self._page(self.customer.dunning_access_token).status_code, 200
        )
        # expired: neither issued nor reminded for longer than the link lasts
        days = self.Portal._get_link_days()
        self.customer.sudo().dunning_access_token_date = self.today - timedelta(
            days=days + 1
        )
        response = self._page(self.customer.dunning_access_token)
        self.assertEqual(response.status_code, 404)

    @mute_logger(*HTTP_LOGGERS)
    def test_documents_of_the_customer_only(self):
        response = self._page(path=f"/invoice/{self.inv_old.id}")
        self.assertEqual(response.status_code, 200)
        draft = self._create_invoice(self.customer, self.today, post=False)
        for move in (self.other_invoice, draft):
            response = self._page(path=f"/invoice/{move.id}")
            self.assertEqual(response.status_code, 404)
        response = self._page(path="/invoice/999999999")
        self.assertEqual(response.status_code, 404)
        response = self._page(path="/statement")
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.inv_old.name, response.text)
        self.assertNotIn(self.other_invoice.name, response.text)

    def test_short_link_of_letters(self):
        short = self.Portal._get_short_url(self.customer)
        code = short.rsplit("/", 1)[-1]
        self.assertRegex(code, r"^(\w{4}-){4}\w{4}$")
        response = self.url_open(f"/rl/{code.upper()}", allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        self.assertTrue(
            response.headers["Location"].endswith(f"/my/reminders/{self.token}")
        )
        with mute_logger(*HTTP_LOGGERS):
            response = self.url_open("/rl/aaaa-bbbb-cccc-dddd-eeee")
        self.assertEqual(response.status_code, 404)

    def test_page_in_the_customers_language(self):
        """Whoever opens the link, the page speaks the customer's language (and
        so do the pages of the payment flow that follow: frontend_lang)."""
        self.env["res.lang"]._activate_lang("fr_FR")
        self.customer.lang = "fr_FR"
        response = self._page()
        self.assertEqual(response.cookies.get("frontend_lang"), "fr_FR")
        self.assertIn("1\N{NO-BREAK SPACE}800,00", response.text)
        self.customer.lang = "en_US"
        del self.opener.cookies["frontend_lang"]  # a visitor of another browser
        response = self._page()
        self.assertEqual(response.cookies.get("frontend_lang"), "en_US")
        self.assertIn("1,800.00", response.text)

    @mute_logger(*HTTP_LOGGERS)
    def test_forms_need_the_csrf_token(self):
        response = self.url_open(
            f"/my/reminders/{self.token}/promise",
            data={
                "move_ids": str(self.inv_old.id),
                "date": str(self.today + timedelta(days=3)),
                "amount": "10",
            },
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self._portal_actions())
        self.assertFalse(self.inv_old.dunning_promise_ids)

    def test_answer_recorded_then_thanked(self):
        response = self._post(
            "promise",
            {
                "move_ids": str(self.inv_old.id),
                "date": str(self.today + timedelta(days=7)),
                "amount": "1000",
            },
        )
        self.assertEqual(response.status_code, 303)
        self.assertIn("done=promise", response.headers["Location"])
        self.assertEqual(self.inv_old.dunning_promise_ids.channel, "portal")
        page = self.url_open(response.headers["Location"]).text
        self.assertIn("your promise of payment is recorded", page)

    def test_refusals_are_plain_messages_and_write_nothing(self):
        reason = self.env.ref("account_dunning.reason_portal_not_delivered")
        cases = [
            (
                "promise",
                {
                    "move_ids": str(self.inv_old.id),
                    "date": str(self.today + timedelta(days=90)),
                    "amount": "10",
                },
                None,
                "please call us",
            ),
            (
                "paid",
                {
                    "move_ids": str(self.inv_old.id),
                    "date": str(self.today),
                    "amount": "0",
                    "payment_method": "transfer",
                },
                None,
                "above zero",
            ),
            (
                "dispute",
                {
                    "move_ids": [str(self.inv_old.id), str(self.other_invoice.id)],
                    "reason_id": str(reason.id),
                    "message": "x",
                },
                None,
                "not among your invoices",
            ),
            (
                "dispute",
                {
                    "move_ids": str(self.inv_old.id),
                    "reason_id": str(reason.id),
                    "message": "x",
                },
                {"attachment": ("note.txt", b"just text", "application/pdf")},
                "neither a PDF nor an image",
            ),
            (
                "plan",
                {"move_ids": str(self.inv_old.id), "instalment_count": "99"},
                None,
                "instalments",
            ),
        ]
        for answer, data, files, message in cases:
            with self.subTest(answer=answer, message=message):
                response = self._post(answer, data, files)
                self.assertEqual(response.status_code, 400)
                error = re.search(
                    r'o_dunning_error"[^>]*>\s*(.*?)\s*</div>',
                    response.text,
                    re.S,
                )
                self.assertTrue(error, "the refusal is shown on the page")
                self.assertIn(message, error.group(1))
                self.assertNotIn("Traceback", response.text)
        self.assertFalse(self._portal_actions())
        self.assertFalse(self.env["account.dunning.dispute"].search_count([]))
        self.assertFalse(
            self.env["account.dunning.declaration"].search_count(
                [("partner_id", "=", self.customer.id)]
            )
        )

    def test_upload_over_10_mb_is_refused(self):
        reason = self.env.ref("account_dunning.reason_portal_not_delivered")
        big = b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024)
        response = self._post(
            "dispute",
            {
                "move_ids": str(self.inv_old.id),
                "reason_id": str(reason.id),
                "message": "Bon de livraison",
            },
            {"attachment": ("bon.pdf", big, "application/pdf")},
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("larger than 10 MB", response.text)
        self.assertFalse(self.env["account.dunning.dispute"].search_count([]))


@tagged("post_install", "-at_install")
class TestPortalInvoicePdf(PortalCommon, HttpCase):
    """An invoice's PDF from the customer's page: the legal PDF Odoo kept,
    else one rendered on the first download and kept as Odoo keeps it."""

    def test_invoice_pdf_rendered_once_and_kept(self):
        self.env["ir.config_parameter"].sudo().set_param("report.url", self.base_url())
        self.assertFalse(self.inv_old.invoice_pdf_report_id)
        Portal = self.Portal.sudo().with_context(force_report_rendering=True)
        name, content, mimetype = Portal._get_invoice_pdf(
            self.customer, self.inv_old.id
        )
        self.assertEqual(mimetype, "application/pdf")
        self.assertTrue(content.startswith(b"%PDF"))
        # wkhtmltopdf here draws the invoice's text as paths: count pages
        self.assertEqual(pdf_pages(content), 1)
        attachment = self.inv_old.invoice_pdf_report_id
        self.assertTrue(attachment)
        self.assertEqual(attachment.res_field, "invoice_pdf_report_file")
        self.assertEqual(name, attachment.name)
        # the second download gives the PDF kept
        again = Portal._get_invoice_pdf(self.customer, self.inv_old.id)
        self.assertEqual(again[1], content)
        self.assertEqual(
            self.env["ir.attachment"].search_count(
                [
                    ("res_model", "=", "account.move"),
                    ("res_id", "=", self.inv_old.id),
                    ("res_field", "=", "invoice_pdf_report_file"),
                ]
            ),
            1,
        )
        self.assertIsNone(Portal._get_invoice_pdf(self.customer, self.other_invoice.id))
