import base64
import io
from datetime import datetime, time, timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import Form, HttpCase, tagged

from odoo.addons.base.models.ir_actions_report import IrActionsReport

from .common import DunningCommon, pdf_pages


def fake_renderer(broken=None):
    """Odoo's report engine as wkhtmltopdf would feed it: one PDF per invoice,
    or the error wkhtmltopdf gives for a batch holding one of `broken`."""

    def render(self, report_ref, res_ids=None, data=None):
        moves = self.env["account.move"].browse(res_ids)
        if broken and moves & broken:
            raise UserError(
                self.env._("Wkhtmltopdf failed (error code: -11). Memory limit too low")
            )
        return {
            move.id: {"stream": io.BytesIO(b"%PDF-1.4 " + move.name.encode())}
            for move in moves
        }, "pdf"

    return patch.object(
        IrActionsReport, "_pre_render_qweb_pdf", autospec=True, side_effect=render
    )


@tagged("post_install", "-at_install")
class TestReminderInvoicePdfs(DunningCommon):
    """No PDF is rendered during the night: an email whose invoices all have
    the PDF Odoo kept goes at once, the others wait in state *Queued* for a
    later step of the job, which renders the missing PDFs in batches, counts
    them on the run, then composes those emails."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.due = cls._d("2026-07-31")
        cls.day = cls.due + timedelta(days=1)
        cls.kept = cls._create_customer("Imprimerie Roux")
        cls.pdf_cron = cls.env.ref("account_dunning.account_dunning_cron_invoice_pdf")

    def _emails(self, partners):
        return self.env["account.dunning.action"].search(
            [("partner_id", "in", partners.ids), ("channel", "=", "email")]
        )

    def test_night_renders_no_pdf_and_the_emails_wait(self):
        self.assertTrue(self.level_first.attach_invoices)
        missing = self._create_invoice(self.customer, self.due)
        sent = self._create_invoice(self.kept, self.due)
        sent.invoice_pdf_report_file = base64.b64encode(b"%PDF-1.4 sent")
        with fake_renderer() as renderer:
            run = self._run_cron(self.day, deliver=False, pdfs=False)
        self.assertEqual(renderer.call_count, 0, "no PDF rendered in the night")
        self.assertEqual(run.state, "done")
        waiting = self._emails(self.customer)
        self.assertEqual(waiting.state, "queued")
        self.assertFalse(waiting.mail_id)
        self.assertEqual(self._emails(self.kept).state, "sending")
        self.assertEqual(
            self._emails(self.kept).mail_id.attachment_ids, sent.invoice_pdf_report_id
        )
        self.assertTrue(
            self.env["ir.cron.trigger"].search([("cron_id", "=", self.pdf_cron.id)]),
            "the later step is on its way",
        )
        # the later step: the missing PDF is rendered, then the email composed
        with fake_renderer() as renderer:
            self._render_invoice_pdfs()
        self.assertEqual(renderer.call_count, 1)
        self.assertEqual(waiting.state, "sending")
        pdf = waiting.mail_id.attachment_ids
        self.assertEqual(pdf.name, missing._get_invoice_report_filename())
        self.assertEqual(pdf.raw, b"%PDF-1.4 " + missing.name.encode())
        self.assertEqual(waiting.line_ids.invoice_pdf_id, pdf)
        self.assertEqual((run.pdf_rendered_count, run.pdf_failed_count), (1, 0))
        self.assertFalse(missing.invoice_pdf_report_id, "not the legal PDF")
        self._send_reminder_emails()
        self.assertEqual(waiting.state, "done")
        self.assertEqual(missing.dunning_level_id, self.level_first)

    def test_pdf_that_cannot_be_rendered_fails_alone(self):
        """The invoice that breaks wkhtmltopdf fails alone: its email leaves
        without it, the others with theirs, and the run says so."""
        customers = self.customer | self.kept | self._create_customer("Atelier Petit")
        invoices = self.env["account.move"]
        for customer in customers:
            invoices |= self._create_invoice(customer, self.due)
        broken = invoices[1]
        with fake_renderer(broken):
            run = self._run_cron(self.day)
        emails = self._emails(customers)
        self.assertEqual(set(emails.mapped("state")), {"done"})
        self.assertEqual((run.pdf_rendered_count, run.pdf_failed_count), (2, 1))
        self.assertIn(broken.name, run.pdf_errors)
        self.assertIn("Memory limit too low", run.pdf_errors)
        self.assertFalse(run.failed_count, "the reminders themselves went out")
        for email in emails:
            line = email.line_ids
            if line.move_id == broken:
                self.assertFalse(email.mail_id.attachment_ids)
                self.assertIn("Wkhtmltopdf failed", line.invoice_pdf_error)
            else:
                self.assertEqual(email.mail_id.attachment_ids, line.invoice_pdf_id)

    def test_user_reminder_waits_for_the_job_too(self):
        """A reminder a user confirms waits for its PDF the same way, and the
        "Relancer" wizard's run counts it."""
        invoice = self._create_invoice(self.customer, self.due)
        with (
            freeze_time(datetime.combine(self.day, time(12, 0))),
            fake_renderer() as renderer,
        ):
            Form(
                self.env["account.dunning.wizard"].with_context(
                    active_model="account.move", active_ids=invoice.ids
                )
            ).save().action_confirm()
            email = self._emails(self.customer)
            self.assertEqual(email.state, "queued")
            self.assertEqual(renderer.call_count, 0)
            self._render_invoice_pdfs()
        self.assertEqual(email.state, "sending")
        self.assertEqual(email.run_id.pdf_rendered_count, 1)
        self.assertEqual(email.mail_id.attachment_ids, email.line_ids.invoice_pdf_id)


@tagged("post_install", "-at_install")
class TestReminderInvoicePdfsRendering(DunningCommon, HttpCase):
    """The later step renders real PDFs, the invoices' own report
    (wkhtmltopdf fetches the report CSS from this test server, hence HttpCase
    and report.url)."""

    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].sudo().set_param("report.url", self.base_url())

    def test_invoice_pdfs_rendered_by_wkhtmltopdf(self):
        due = self._d("2026-07-31")
        other = self._create_customer("Imprimerie Roux")
        invoices = self._create_invoice(self.customer, due) | self._create_invoice(
            other, due
        )
        run = self._run_cron(due + timedelta(days=1), deliver=False, pdfs=False)
        emails = self.env["account.dunning.action"].search(
            [
                ("partner_id", "in", (self.customer | other).ids),
                ("channel", "=", "email"),
            ]
        )
        self.assertEqual(set(emails.mapped("state")), {"queued"})
        self.env["account.dunning.invoice.pdf"].with_context(
            force_report_rendering=True
        )._cron_render()
        self.assertEqual(set(emails.mapped("state")), {"sending"})
        self.assertEqual(run.pdf_rendered_count, 2)
        for email in emails:
            pdf = email.mail_id.attachment_ids
            self.assertEqual(pdf, email.line_ids.invoice_pdf_id)
            self.assertTrue(pdf.raw.startswith(b"%PDF"))
            self.assertGreaterEqual(pdf_pages(pdf.raw), 1)
        self.assertEqual(emails.line_ids.move_id, invoices)
