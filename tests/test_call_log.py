import subprocess
import tempfile

from freezegun import freeze_time

from odoo.tests import Form, HttpCase, tagged

from .common import DunningCommon


class CallCommon(DunningCommon):
    def _wizard(self, action, day, env=None, **values):
        with freeze_time(f"{day} 10:00:00"):
            form = Form(
                (env or self.env)[action["res_model"]].with_context(
                    **action["context"], **self._wizard_context()
                )
            )
            for name, value in values.items():
                setattr(form, name, value)
            return form.save()

    def _wizard_context(self):
        return {}

    def _confirm(self, wizard, day):
        with freeze_time(f"{day} 10:00:00"):
            return wizard.action_confirm()


@tagged("post_install", "-at_install")
class TestCallLog(CallCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.invoice = cls._create_invoice(cls.customer, "2026-03-01", amount=1200.0)
        cls._set_level(cls.invoice, cls.level_first)
        cls.accountant = cls.env["res.partner"].create(
            {
                "name": "Claire Compta",
                "parent_id": cls.customer.id,
                "type": "contact",
                "email": "claire@boulangerie-martin.example.com",
                "phone": "+33 4 78 11 11 11",
            }
        )

    def test_call_task_of_the_engine(self):
        """The nightly job plans a call; logging it records the outcome on that
        reminder, closes the task and writes in the customer's chatter."""
        run = self._run_cron("2026-03-09")
        planned = run.action_ids
        self.assertEqual(planned.channel, "call")
        activity = planned.activity_id
        self.assertTrue(activity)
        # from the customer form: the wizard picks up the task waiting for an outcome
        wizard = self._wizard(
            self.customer.action_dunning_log_call(),
            "2026-03-09",
            result="reached",
            contact_id=self.accountant,
            reason_id=self.env.ref("account_dunning.excuse_payment_run"),
            note="Paiement jeudi",
        )
        self.assertEqual(wizard.action_id, planned)
        self.assertEqual(wizard.move_ids, self.invoice)
        self.assertIn("Thursday", wizard.suggested_response)
        self._confirm(wizard, "2026-03-09")
        self.assertEqual(planned.result, "reached")
        self.assertEqual(planned.note, "Paiement jeudi")
        self.assertIn(self.accountant, planned.contact_ids)
        self.assertFalse(activity.exists(), "the phone-call task is done")
        self.assertEqual(len(self._actions()), 1, "no second action for one call")
        bodies = " ".join(str(b) for b in self.customer.message_ids.mapped("body"))
        self.assertIn("Paiement jeudi", bodies)
        self.assertIn("Claire Compta", bodies)

    def test_no_answer_plans_next_call(self):
        wizard = self._wizard(
            self.customer.action_dunning_log_call(),
            "2026-03-10",
            result="no_answer",
            callback_date=self._d("2026-03-12"),
        )
        self._confirm(wizard, "2026-03-10")
        call = self._actions(result="no_answer")
        self.assertEqual((call.channel, call.state), ("call", "done"))
        self.assertEqual(call.date, self._d("2026-03-10"))
        self.assertEqual(call.level_id, self.level_first)
        activity = self.customer.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.activity_type_id.category, "phonecall")
        self.assertEqual(activity.date_deadline, self._d("2026-03-12"))
        self.assertTrue(call.message_ids, "the call is in its own chatter too")

    def test_dispute_from_the_work_queue(self):
        queue = self.env["account.dunning.queue"].search(
            [("partner_id", "=", self.customer.id)]
        )
        self.assertEqual(len(queue), 1)
        wizard = self._wizard(
            queue.action_log_call(),
            "2026-03-10",
            result="dispute",
            note="Livraison incomplète",
        )
        self.assertEqual(
            wizard.reason_id, self.env.ref("account_dunning.reason_dispute")
        )
        action = self._confirm(wizard, "2026-03-10")
        dispute = self.env["account.dunning.dispute"].browse(action["res_id"])
        self.assertEqual(dispute.move_ids, self.invoice)
        self.assertEqual(dispute.state, "open")
        self.assertIn("Livraison incomplète", str(dispute.note))
        self.assertTrue(self.invoice.is_disputed)
        self.assertEqual(self._actions(result="dispute").channel, "call")

    def test_says_already_paid(self):
        wizard = self._wizard(
            self.customer.action_dunning_log_call(), "2026-03-10", result="already_paid"
        )
        self._confirm(wizard, "2026-03-10")
        self.assertEqual(len(self._actions(result="already_paid")), 1)
        self.assertEqual(len(self.customer.activity_ids), 1)

    def test_credit_controller_logs_promise(self):
        """A credit controller (no accounting rights beyond billing) logs a call
        with a promise; a billing user only reads it."""
        controller = self._create_user(
            "credit_controller", "account_dunning.group_account_dunning_user"
        )
        customer = self.customer.with_user(controller)
        wizard = self._wizard(
            customer.action_dunning_log_call(),
            "2026-03-10",
            env=customer.env,
            result="promise",
            promise_date=self._d("2026-03-13"),
            promise_amount=600.0,
        )
        self.assertEqual(wizard.env.user, controller)
        self._confirm(wizard, "2026-03-10")
        promise = self.env["account.dunning.promise"].search(
            [("partner_id", "=", self.customer.id)]
        )
        self.assertEqual((promise.amount, promise.user_id), (600.0, controller))
        billing = self._create_user("billing_clerk", "account.group_account_invoice")
        self.assertEqual(promise.with_user(billing).read(["state"])[0]["state"], "open")

    def test_from_the_reminder_form(self):
        run = self._run_cron("2026-03-09")
        wizard = self._wizard(
            run.action_ids.action_log_call(), "2026-03-09", result="wrong_number"
        )
        self.assertEqual(wizard.activity_id, run.action_ids.activity_id)
        self._confirm(wizard, "2026-03-09")
        self.assertEqual(run.action_ids.result, "wrong_number")


@tagged("post_install", "-at_install")
class TestCallDuplicate(CallCommon, HttpCase):
    """ "Asks for a duplicate": the invoice PDF goes out by email at once."""

    def _wizard_context(self):
        return {"force_report_rendering": True}

    def test_duplicate_sends_invoice_pdf(self):
        self.env["ir.config_parameter"].sudo().set_param("report.url", self.base_url())
        invoice = self._create_invoice(self.customer, "2026-03-01", amount=640.0)
        wizard = self._wizard(
            self.customer.action_dunning_log_call(), "2026-03-10", result="duplicate"
        )
        wizard.action_confirm()  # wkhtmltopdf renders blank pages under freezegun
        call = self._actions(result="duplicate")
        mail = call.mail_id
        self.assertTrue(mail)
        self.assertEqual(mail.state, "outgoing", "queued in the mail queue")
        self.assertIn(self.customer, mail.recipient_ids)
        self.assertIn(invoice.name, mail.body_html)
        pdf = mail.attachment_ids
        self.assertEqual(len(pdf), 1)
        self.assertEqual(pdf.mimetype, "application/pdf")
        self.assertTrue(pdf.raw.startswith(b"%PDF"))
        self.assertEqual((pdf.res_model, pdf.res_id), ("account.move", invoice.id))
        self.assertEqual(pdf.name, invoice._get_invoice_report_filename())
        # wkhtmltopdf here draws text as paths, so read the page count, not text
        with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
            handle.write(pdf.raw)
            handle.flush()
            info = subprocess.run(
                ["pdfinfo", handle.name], capture_output=True, text=True, check=True
            ).stdout
        self.assertIn("Pages:           1", info)
