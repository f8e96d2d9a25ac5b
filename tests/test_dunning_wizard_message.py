import base64
from datetime import timedelta

from lxml import etree

from odoo.tests import Form, HttpCase, tagged

from .common import DunningCommon, pdf_text

LETTER_REPORT = "account_dunning.action_report_dunning_letter"
MESSAGE = "Following our call this morning, <b>as agreed</b>:\nthe invoices below."
ESCAPED = "Following our call this morning, &lt;b&gt;as agreed&lt;/b&gt;:"


@tagged("post_install", "-at_install")
class TestDunningWizardMessage(DunningCommon):
    """ "Relancer": a personal message and extra documents per customer, in the
    email, the letter and the preview."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = cls.env["account.dunning.run"]._company_today(cls.company)
        cls.company.write(
            {
                "dunning_terms_file": base64.b64encode(b"%PDF-1.4 terms of sale"),
                "dunning_terms_filename": "CGV.pdf",
            }
        )
        cls.invoice = cls._create_invoice(
            cls.customer, cls.today - timedelta(days=10), 1000.0
        )
        cls.Wizard = cls.env["account.dunning.wizard"]

    def _open(self):
        return Form(
            self.Wizard.with_context(
                active_model="account.move", active_ids=self.invoice.ids
            )
        )

    def _remind(self, message=None, statement=False, terms=False):
        """Remind the customer at the second level (email and letter) with
        the wizard; returns its reminders once the email is composed."""
        form = self._open()
        with form.line_ids.edit(0) as line:
            line.level_id = self.level_second
            self.assertTrue(line.send_email)
            self.assertTrue(line.send_letter)
            if message:
                line.personal_message = message
            line.attach_statement = statement
            line.attach_terms = terms
        result = form.save().action_confirm()
        self._render_invoice_pdfs()
        return self.env["account.dunning.action"].search(result["domain"])

    def test_message_and_documents_in_email_and_letter(self):
        actions = self._remind(MESSAGE, statement=True, terms=True)
        email = actions.filtered(lambda a: a.channel == "email")
        letter = actions.filtered(lambda a: a.channel == "letter")
        self.assertEqual(actions.mapped("personal_message"), [MESSAGE.strip()] * 2)
        self.assertEqual(email.state, "sending")
        body = str(email.mail_id.body_html)
        self.assertIn(ESCAPED, body, "the message, escaped")
        self.assertNotIn("<b>as agreed</b>", body)
        self.assertLess(body.index(ESCAPED), body.index(self.invoice.name))
        names = email.mail_id.attachment_ids.mapped("name")
        statement = [n for n in names if n.startswith("Account statement - ")]
        self.assertEqual(len(statement), 1)
        # a PDF; Odoo's report engine gives HTML in test mode
        self.assertRegex(
            statement[0], r"^Account statement - Boulangerie Martin\.(pdf|html)$"
        )
        self.assertIn("CGV.pdf", names)
        terms = email.mail_id.attachment_ids.filtered(lambda a: a.name == "CGV.pdf")
        self.assertEqual(terms.raw, b"%PDF-1.4 terms of sale")
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html(LETTER_REPORT, letter.ids)[0]
            .decode()
        )
        self.assertIn(ESCAPED, html)
        self.assertNotIn("<b>as agreed</b>", html)
        self.assertLess(html.index(ESCAPED), html.index("o_dunning_invoices"))
        self.assertIn(
            "Enclosures: Account statement - Boulangerie Martin, CGV.pdf", html
        )

    def test_nothing_joined_when_not_ticked(self):
        actions = self._remind()
        email = actions.filtered(lambda a: a.channel == "email")
        letter = actions.filtered(lambda a: a.channel == "letter")
        self.assertFalse(email.personal_message)
        names = email.mail_id.attachment_ids.mapped("name")
        self.assertFalse([n for n in names if n.startswith("Account statement")])
        self.assertNotIn("CGV.pdf", names)
        self.assertNotIn("o_dunning_personal_message", str(email.mail_id.body_html))
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html(LETTER_REPORT, letter.ids)[0]
            .decode()
        )
        self.assertNotIn("Enclosures:", html)
        self.assertNotIn("o_dunning_personal_message", html)

    def test_statement_only(self):
        actions = self._remind(statement=True)
        names = actions.filtered(lambda a: a.channel == "email").mail_id.attachment_ids
        names = names.mapped("name")
        self.assertTrue([n for n in names if n.startswith("Account statement")])
        self.assertNotIn("CGV.pdf", names)

    def test_email_waiting_for_invoice_pdfs_gets_the_documents_later(self):
        """The first reminder attaches the invoice PDFs: its email waits for
        the job that renders them, and is composed there with the documents
        ticked, nothing rendered in the user's click."""
        form = self._open()
        with form.line_ids.edit(0) as line:
            self.assertEqual(line.level_id, self.level_first)
            line.personal_message = MESSAGE
            line.attach_statement = True
            line.attach_terms = True
        result = form.save().action_confirm()
        action = self.env["account.dunning.action"].search(result["domain"])
        self.assertEqual(action.state, "queued")
        self.assertFalse(action.mail_id)
        self._render_invoice_pdfs()
        self.assertEqual(action.state, "sending")
        self.assertIn(ESCAPED, str(action.mail_id.body_html))
        names = action.mail_id.attachment_ids.mapped("name")
        self.assertTrue([n for n in names if n.startswith("Account statement")])
        self.assertIn("CGV.pdf", names)

    def test_preview_shows_message_and_documents(self):
        form = self._open()
        with form.line_ids.edit(0) as line:
            line.level_id = self.level_second
            self.assertNotIn("Personal message", str(line.preview))
            self.assertNotIn("CGV.pdf", str(line.preview))
            line.personal_message = MESSAGE
            line.attach_statement = True
            line.attach_terms = True
            preview = str(line.preview)
            self.assertIn(ESCAPED, preview)
            self.assertIn("Account statement - Boulangerie Martin", preview)
            self.assertIn("CGV.pdf", preview)
            line.show_preview = True
            email = str(line.email_preview)
            self.assertIn(ESCAPED, email)
            self.assertNotIn("<b>as agreed</b>", email)
            self.assertIn("Account statement - Boulangerie Martin, CGV.pdf", email)
            letter = str(line.letter_preview)
            self.assertIn(ESCAPED, letter)
            self.assertIn("Enclosures: Account statement - Boulangerie Martin", letter)

    def test_terms_offered_only_when_set(self):
        self.company.dunning_terms_file = False
        self.company.dunning_terms_filename = False
        form = self._open()
        with form.line_ids.edit(0) as line:
            self.assertFalse(line.has_terms)
        self.assertEqual(
            self.env["account.dunning.send"]._get_extra_document_names(
                self.customer, self.company, False, True
            ),
            [],
        )

    def test_terms_of_sale_set_in_the_settings(self):
        self.company.dunning_terms_filename = False
        settings = Form(self.env["res.config.settings"])
        # the file name is the upload widget's (invisible field): none here
        settings.dunning_terms_file = base64.b64encode(b"%PDF-1.4 new terms")
        settings.save().execute()
        self.assertTrue(self.company.dunning_terms_file)
        actions = self._remind(terms=True)
        email = actions.filtered(lambda a: a.channel == "email")
        terms = email.mail_id.attachment_ids.filtered(
            lambda a: a.name == "General terms of sale.pdf"
        )
        self.assertEqual(terms.raw, b"%PDF-1.4 new terms")

    def test_channel_columns_are_words_in_a_wide_dialog(self):
        arch = etree.fromstring(
            self.Wizard.get_view(
                self.env.ref("account_dunning.account_dunning_wizard_view_form").id
            )["arch"]
        )
        line_fields = self.env["account.dunning.wizard.line"]._fields
        labels = {}
        for name in ("send_email", "send_sms", "send_letter", "create_activity"):
            (node,) = arch.xpath(
                f"//field[@name='line_ids']/list/field[@name='{name}']"
            )
            self.assertEqual(node.get("widget"), "boolean_toggle")
            labels[name] = node.get("string") or line_fields[name].string
        self.assertEqual(
            labels,
            {
                "send_email": "Email",
                "send_sms": "SMS",
                "send_letter": "Letter",
                "create_activity": "Call task",
            },
        )
        action = self.invoice.action_dunning_wizard()
        self.assertEqual(action["context"]["dialog_size"], "extra-large")
        window = self.env.ref("account_dunning.account_dunning_wizard_action")
        self.assertIn("extra-large", window.context)


@tagged("post_install", "-at_install")
class TestDunningWizardStatementPdf(DunningCommon, HttpCase):
    """The statement joined by "Relancer" is the statement report's PDF (real
    wkhtmltopdf rendering: it fetches the report CSS from this test server)."""

    def test_statement_joined_as_pdf(self):
        self.env["ir.config_parameter"].sudo().set_param("report.url", self.base_url())
        self.env = self.env(context=dict(self.env.context, force_report_rendering=True))
        today = self.env["account.dunning.run"]._company_today(self.company)
        invoice = self._create_invoice(self.customer, today - timedelta(days=20), 750.0)
        form = Form(
            self.env["account.dunning.wizard"].with_context(
                active_model="account.move", active_ids=invoice.ids
            )
        )
        with form.line_ids.edit(0) as line:
            line.level_id = self.level_second
            line.send_letter = False
            line.attach_statement = True
        result = form.save().action_confirm()
        action = self.env["account.dunning.action"].search(result["domain"])
        statement = action.mail_id.attachment_ids.filtered(
            lambda a: a.name.startswith("Account statement")
        )
        self.assertEqual(statement.name, "Account statement - Boulangerie Martin.pdf")
        self.assertEqual(statement.mimetype, "application/pdf")
        text = pdf_text(statement.raw)
        self.assertIn("Account statement", text)
        self.assertIn(invoice.name, text)
