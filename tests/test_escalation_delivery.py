from datetime import timedelta

from odoo.tests import tagged
from odoo.tools import format_amount, format_date, mute_logger

from odoo.addons.account_dunning.lib.formats import DunningFormats

from .common import DunningCommon


@tagged("post_install", "-at_install")
class TestEscalationDelivery(DunningCommon):
    """The nightly job records every reminder of a batch first, then composes
    the emails and SMS it queued; an invoice moves up once its reminder is in
    Odoo's mail queue."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.due = cls._d("2026-05-29")
        cls.day = cls.due + timedelta(days=1)

    def test_cron_composes_the_emails_of_each_batch(self):
        customers = [self._create_customer(f"Lot {i}") for i in range(3)]
        invoices = [self._create_invoice(customer, self.due) for customer in customers]
        self.env["ir.config_parameter"].sudo().set_param(
            "account_dunning.batch_size", 2
        )
        run = self._run_cron(self.day)
        self.assertEqual(run.state, "running")
        emails = run.action_ids
        self.assertEqual(len(emails), 2)
        self.assertEqual(emails.mapped("state"), ["done", "done"])
        self.assertTrue(all(emails.mapped("mail_id")))
        self.assertEqual(
            {invoice.dunning_level_id for invoice in invoices[:2]}, {self.level_first}
        )
        self.assertFalse(invoices[2].dunning_level_id)
        self._run_cron(self.day)
        self.assertEqual(run.state, "done")
        self.assertEqual(run.action_ids.mapped("state"), ["done"] * 3)
        self.assertEqual(invoices[2].dunning_level_id, self.level_first)
        self.assertEqual(run.email_count, 3)

    def test_email_failing_when_composed_leaves_its_invoice(self):
        """A template error found while composing fails that reminder only; its
        invoice does not move, so the next night tries the same level again."""
        # an address Odoo can send to (not the helper's "gabarit-cassé")
        other = self._create_customer(
            "Gabarit cassé", email="compta@gabarit-casse.example.com"
        )
        good = self._create_invoice(self.customer, self.due)
        broken = self._create_invoice(other, self.due)
        self.level_first.mail_template_id.body_html = (
            f'<p t-out="object.partner_id.name if object.partner_id.id != {other.id} '
            'else object.does_not_exist"/>'
        )
        with mute_logger("odoo.addons.mail.models.mail_render_mixin"):
            run = self._run_cron(self.day)
        self.assertEqual(run.state, "done")
        failed = run.action_ids.filtered(lambda a: a.state == "failed")
        self.assertEqual(failed.partner_id, other)
        self.assertIn("Gabarit cassé", run.error_log)
        self.assertEqual(run.failed_count, 1)
        self.assertEqual(good.dunning_level_id, self.level_first)
        self.assertFalse(broken.dunning_level_id)
        self.assertFalse(failed.line_ids.filtered(lambda line: line.state != "failed"))
        self.assertNotIn(
            "Reminder", "".join(broken.message_ids.mapped("body")), "nothing was sent"
        )
        # fixed template: the next night sends the same level
        self.level_first.mail_template_id.body_html = "<p>Relance</p>"
        run = self._run_cron(self.day + timedelta(days=1))
        self.assertEqual(run.action_ids.partner_id, other)
        self.assertEqual(run.action_ids.state, "done")
        self.assertEqual(broken.dunning_level_id, self.level_first)

    def test_queued_emails_left_by_an_interrupted_night_go_out_next(self):
        self._create_invoice(self.customer, self.due)
        run = self.env["account.dunning.run"].create(
            {"company_id": self.company.id, "date": self.day, "state": "running"}
        )
        # the night stopped after recording its reminders, before composing them
        self.env.flush_all()
        run._escalate_batch(100)
        email = run.action_ids
        self.assertEqual(email.state, "queued")
        self.assertFalse(email.mail_id)
        self.assertEqual(email.line_ids.state, "queued")
        self.assertFalse(email.line_ids.move_id.dunning_level_id)
        next_run = self._run_cron(self.day + timedelta(days=1))
        self.assertEqual(email.state, "done")
        self.assertTrue(email.mail_id)
        self.assertFalse(next_run.action_ids, "the queued reminder is not repeated")
        self.assertEqual(email.line_ids.move_id.dunning_level_id, self.level_first)

    def test_call_task_for_the_responsible(self):
        controller = self._create_user(
            "controle.credit", "account_dunning.group_account_dunning_user"
        )
        self.customer.dunning_responsible_id = controller
        invoice = self._create_invoice(self.customer, self.due)
        self._set_level(invoice, self.level_first)
        run = self._run(self.due + timedelta(days=8))
        call = run.action_ids
        self.assertEqual(call.channel, "call")
        activity = call.activity_id
        self.assertEqual(activity, self.customer.activity_ids)
        self.assertEqual(activity.user_id, controller)
        self.assertEqual(activity.res_name, self.customer.display_name)
        self.assertEqual(activity.date_deadline, self.due + timedelta(days=8))
        self.assertIn(invoice.name, str(activity.note))
        self.assertIn(self.level_call.name, activity.summary)
        self.assertIn(controller.partner_id, self.customer.message_partner_ids)
        self.assertEqual(
            self.env["mail.activity"].search([("user_id", "=", controller.id)]),
            activity,
        )
        # the task is done like any other activity
        activity.action_feedback(feedback="Rappel fait")
        self.assertFalse(self.customer.activity_ids)

    def test_escalation_queries_do_not_grow_with_customers(self):
        """Budget guard on every channel: recording emails, letters and call
        tasks for 3x more customers costs a handful more queries."""

        def queries_for(count, day):
            for index in range(count):
                # one customer reaches the second reminder (email and letter),
                # another the phone call
                written = self._create_customer(f"E{day}-{index}")
                self._set_level(
                    self._create_invoice(written, day - timedelta(days=20)),
                    self.level_call,
                )
                called = self._create_customer(f"C{day}-{index}")
                self._set_level(
                    self._create_invoice(called, day - timedelta(days=8)),
                    self.level_first,
                )
            self.env.flush_all()
            self.env.invalidate_all()
            run = self.env["account.dunning.run"].create(
                {"company_id": self.company.id, "date": day, "state": "running"}
            )
            self.env.flush_all()
            start = self.env.cr.sql_log_count
            run._escalate_batch(1000)
            self.env.flush_all()
            self.assertEqual(
                set(run.action_ids.mapped("channel")), {"email", "letter", "call"}
            )
            self.assertGreaterEqual(len(run.action_ids), 3 * count)
            return self.env.cr.sql_log_count - start

        day = self.due + timedelta(days=20)
        small = queries_for(10, day)
        large = queries_for(30, day + timedelta(days=1))
        self.assertLess(large - small, 10, (small, large))
        self.assertLess(large, 90, large)

    def test_cancelled_or_retried_reminder_frees_or_takes_its_level(self):
        """The lines follow their reminder's state: a cancelled reminder frees
        the invoice's level for the next run, a failed one put back in the
        queue holds it again."""
        invoice = self._create_invoice(self.customer, self.due)
        self._set_level(invoice, self.level_last_call)
        run = self._run(self.due + timedelta(days=30))
        notice = run.action_ids
        self.assertTrue(notice.is_formal_notice)
        self.assertEqual(notice.line_ids.state, "draft")
        notice.action_cancel()
        self.assertEqual(notice.line_ids.state, "cancelled")
        again = self._run(self.due + timedelta(days=31)).action_ids
        self.assertEqual(again.level_id, self.level_notice, "the slot was freed")
        self.assertEqual(again.line_ids.move_id, invoice)
        # a formal notice that fails (no address) holds nothing; put back in
        # the queue once the address is fixed, it holds the level again
        self.customer.street = False
        again.action_validate()
        self.assertEqual(again.state, "failed")
        self.assertEqual(again.line_ids.state, "failed")
        self.assertEqual(invoice.dunning_level_id, self.level_last_call)
        self.customer.street = "12 rue des Lilas"
        again.action_retry()
        self.assertEqual(again.line_ids.state, "draft")
        again.action_validate()
        self.assertEqual(again.state, "to_send")
        self.assertEqual(again.line_ids.state, "to_send")
        self.assertEqual(invoice.dunning_level_id, self.level_notice)

    def test_batch_formats_read_as_odoo_formats(self):
        """The notes of a run format dates and amounts once per batch: the text
        is Odoo's own, in French and in English."""
        currency = self.company.currency_id
        for lang in ("fr_FR", "en_US"):
            self.env["res.lang"]._activate_lang(lang)
            env = self.env(context=dict(self.env.context, lang=lang))
            formats = DunningFormats(env)
            for amount in (0.0, 1.5, -1234.567, 1234567.891):
                self.assertEqual(
                    formats.amount(amount, currency),
                    format_amount(env, amount, currency),
                )
            self.assertEqual(formats.date(self.due), format_date(env, self.due))
