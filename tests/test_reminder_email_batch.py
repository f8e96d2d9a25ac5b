import base64
from datetime import timedelta
from unittest.mock import patch

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import DunningCommon

# What a queued email is made of, as send_mail leaves it.
MAIL_FIELDS = (
    "subject",
    "body_html",
    "body",
    "email_from",
    "reply_to",
    "email_to",
    "email_cc",
    "recipient_ids",
    "partner_ids",
    "model",
    "res_id",
    "record_name",
    "message_type",
    "subtype_id",
    "author_id",
    "auto_delete",
    "is_notification",
    "mail_server_id",
    "scheduled_date",
    "state",
    "email_layout_xmlid",
    "email_add_signature",
)


@tagged("post_install", "-at_install")
class TestReminderEmailBatch(DunningCommon):
    """The nightly job composes a level's reminder emails in one batch: each
    must be the mail.mail (and message on the reminder) that Odoo's
    `send_mail` composes for that reminder alone, in the customer's language;
    a customer that breaks the template fails alone; the cost grows with
    batches, not emails."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env.ref("base.module_account_dunning")._update_translations(["fr_FR"])
        cls.customer.lang = "fr_FR"
        cls.due = cls._d("2026-05-29")
        cls.day = cls.due + timedelta(days=1)
        cls.template = cls.level_first.mail_template_id

    def _queue(self, customers, day=None):
        """The email reminders of the customers, recorded by the nightly job
        and waiting to be composed."""
        run = self.env["account.dunning.run"].create(
            {"company_id": self.company.id, "date": day or self.day, "state": "running"}
        )
        self.env.flush_all()
        run._escalate_batch(1000)
        emails = run.action_ids.filtered(lambda a: a.channel == "email")
        self.assertEqual(emails.partner_id, customers)
        self.assertEqual(set(emails.mapped("state")), {"queued"})
        return emails

    def _compose(self, emails, batches=None):
        """Compose the reminders' emails; `batches`: how many times a batch
        of emails is composed (a failing batch is split)."""
        Template = type(self.env["mail.template"])
        with patch.object(
            Template,
            "_dunning_queue_mail_batch",
            autospec=True,
            side_effect=Template._dunning_queue_mail_batch,
        ) as queue:
            self.env["account.dunning.send"]._compose_emails(emails)
        if batches is not None:
            self.assertEqual(queue.call_count, batches)
        return emails.mail_id

    def _sent_invoice(self, customer):
        """An invoice sent from Odoo, which kept its PDF: its reminder's email
        is composed at once."""
        invoice = self._create_invoice(customer, self.due)
        invoice.invoice_pdf_report_file = base64.b64encode(b"%PDF-1.4 invoice")
        return invoice

    @staticmethod
    def _values(mail):
        return {
            name: value.ids if hasattr(value, "ids") else value
            for name, value in ((name, mail[name]) for name in MAIL_FIELDS)
        }

    def test_batch_reads_as_send_mail_one_by_one(self):
        customers = (
            self.customer
            | self._create_customer("Fromagerie Lacroix", lang="fr_FR")
            | self._create_customer("Café de l'Hôtel de Ville", lang="fr_FR")
            | self._create_customer("Garage Dupont & Fils", lang="en_US")
            | self._create_customer("Smith <Trading>", lang="en_US")
            | self._create_customer("Jones Ltd", lang="en_US")
        )
        invoices = self.env["account.move"]
        for index, customer in enumerate(customers):
            invoices |= self._create_invoice(customer, self.due, 1234.5 * (index + 1))
            invoices |= self._create_invoice(customer, self.due - timedelta(days=3))
        # the invoice PDFs kept by Odoo are attached to the reminders (those
        # of invoices without one wait for the job: test_reminder_invoice_pdfs)
        for invoice in invoices:
            invoice.invoice_pdf_report_file = base64.b64encode(b"%PDF-1.4 invoice")
        conditions = self.env["ir.attachment"].create(
            {"name": "Conditions.pdf", "raw": b"%PDF-1.4 terms"}
        )
        self.template.write(
            {
                "attachment_ids": [(6, 0, conditions.ids)],
                "reply_to": "{{ object.user_id.email or 'relances@example.com' }}",
                "email_cc": "{{ object.partner_id.email if object.amount_due > 5000"
                " else '' }}",
            }
        )
        emails = self._queue(customers)
        self.assertTrue(self.level_first.attach_invoices)
        # Odoo's own path, one reminder at a time
        expected = {}
        for action in emails:
            alone = self.env["mail.mail"].browse(self.template.send_mail(action.id))
            self.assertEqual(alone.attachment_ids, conditions)
            expected[action] = self._values(alone)
        mails = self._compose(emails, batches=1)
        self.assertEqual(len(mails), 6)
        # in Odoo's mail queue: done once the mail server takes them
        self.assertEqual(set(emails.mapped("state")), {"sending"})
        for action in emails:
            mail = action.mail_id
            self.assertEqual(
                self._values(mail), expected[action], action.partner_id.name
            )
            self.assertEqual(mail.state, "outgoing")
            self.assertEqual(mail.mail_message_id.model, action._name)
            self.assertEqual(mail.mail_message_id.res_id, action.id)
            self.assertIn(mail.mail_message_id, action.message_ids)
            # the template's attachment, and the invoices' PDFs
            self.assertEqual(
                mail.attachment_ids,
                conditions | action.move_ids.invoice_pdf_report_id,
            )
        french = emails.filtered(lambda a: a.partner_id.lang == "fr_FR").mail_id
        english = emails.mail_id - french
        self.assertEqual(len(french), 3)
        for mail in french:
            self.assertIn("relance de factures impayées", mail.subject)
            self.assertIn("Bonjour", mail.body_html)
            self.assertRegex(mail.body_html, r"\d,\d\d\N{NO-BREAK SPACE}€")
        for mail in english:
            self.assertIn("reminder of unpaid invoices", mail.subject)
            self.assertIn("Hello", mail.body_html)
            self.assertRegex(mail.body_html, r"\d\.\d\d\N{NO-BREAK SPACE}€")
        for action in emails:
            self.assertEqual(action.mail_id.recipient_ids, action.contact_ids)
        self.assertEqual(
            emails.filtered(lambda a: a.amount_due > 5000).mail_id.mapped("email_cc"),
            emails.filtered(lambda a: a.amount_due > 5000).partner_id.mapped("email"),
        )

    def test_broken_customer_fails_alone(self):
        """A template that breaks on one customer (body) and another (subject)
        fails those two reminders only, with the reason; the others are
        composed in batch."""
        customers = self.env["res.partner"]
        for index in range(6):
            customers |= self._create_customer(f"Client {index}", lang="en_US")
        body_broken, subject_broken = customers[1], customers[4]
        for customer in customers:
            self._sent_invoice(customer)
        self.template.write(
            {
                "body_html": "<p t-out='object.partner_id.name if "
                f"object.partner_id.id != {body_broken.id} else object.nope'/>",
                "subject": "{{ object.partner_id.name if object.partner_id.id != "
                f"{subject_broken.id} else object.nope }}}}",
            }
        )
        emails = self._queue(customers)
        with mute_logger("odoo.addons.mail.models.mail_render_mixin"):
            self._compose(emails)
        failed = emails.filtered(lambda a: a.state == "failed")
        self.assertEqual(failed.partner_id, body_broken | subject_broken)
        for action in failed:
            self.assertFalse(action.mail_id)
            self.assertIn("The email could not be prepared", action.error_message)
            self.assertFalse(
                self.env["mail.mail"].search(
                    [("model", "=", action._name), ("res_id", "=", action.id)]
                )
            )
        sent = emails - failed
        self.assertEqual(set(sent.mapped("state")), {"sending"})
        for action in sent:
            self.assertEqual(action.mail_id.subject, action.partner_id.name)
            self.assertIn(action.partner_id.name, action.mail_id.body_html)

    def test_one_broken_customer_costs_a_few_batches(self):
        """The reminder breaking a batch is found by halving it: seven batches
        for eight reminders (the whole, then each half down to the culprit),
        the others composed in batch."""
        customers = self.env["res.partner"]
        for index in range(8):
            customers |= self._create_customer(f"Lot {index}", lang="en_US")
            self._sent_invoice(customers[-1])
        emails = self._queue(customers)
        broken = emails.sorted("id")[5]
        self.template.body_html = (
            "<p t-out='object.partner_id.name if "
            f"object.id != {broken.id} else object.nope'/>"
        )
        with mute_logger("odoo.addons.mail.models.mail_render_mixin"):
            self._compose(emails.sorted("id"), batches=7)
        self.assertEqual(emails.filtered(lambda a: a.state == "failed"), broken)
        self.assertIn("The email could not be prepared", broken.error_message)
        self.assertEqual(len((emails - broken).mail_id), 7)

    def test_queries_grow_with_batches_not_emails(self):
        """Composing 30 emails (invoice PDFs attached) costs a handful of
        queries more than composing 10."""

        def queries_for(count, day):
            customers = self.env["res.partner"]
            for index in range(count):
                customer = self._create_customer(f"Q{day}-{index}")
                invoice = self._create_invoice(customer, day - timedelta(days=1))
                invoice.invoice_pdf_report_file = base64.b64encode(b"%PDF-1.4")
                customers |= customer
            emails = self._queue(customers, day)
            self.env.flush_all()
            self.env.invalidate_all()
            start = self.env.cr.sql_log_count
            mails = self._compose(emails, batches=1)
            self.env.flush_all()
            self.assertEqual(len(mails), count)
            self.assertEqual(len(mails.attachment_ids), count)
            return self.env.cr.sql_log_count - start

        small = queries_for(10, self.day)
        large = queries_for(30, self.day + timedelta(days=1))
        self.assertLessEqual(large - small, 5, (small, large))
        # a fixed cost per batch: templates, recipients, the reminders still
        # waiting for invoice PDFs and the PDFs attached (about a dozen of
        # the seventy queries)
        self.assertLess(large, 80, large)
