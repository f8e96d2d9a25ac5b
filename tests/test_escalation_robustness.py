from datetime import timedelta

from psycopg2 import IntegrityError

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.account_dunning.models.account_dunning_run import RUN_LOCK_KEY

from .common import DunningCommon


@tagged("post_install", "-at_install")
class TestEscalationRobustness(DunningCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.due = cls._d("2026-05-29")
        cls.day = cls.due + timedelta(days=1)

    def test_one_bad_customer_does_not_stop_the_batch(self):
        no_email = self._create_customer("Sans email", email=False)
        no_address = self._create_customer("Sans adresse", street=False)
        self._create_invoice(self.customer, self.due)
        self._create_invoice(no_email, self.due)
        no_address_invoice = self._create_invoice(no_address, self.due)
        run = self._run(self.day)
        failed = run.action_ids.filtered(lambda a: a.state == "failed")
        self.assertEqual(failed.partner_id, no_email)
        self.assertIn("email", failed.error_message)
        self.assertEqual(run.failed_count, 1)
        self.assertIn("Sans email", run.error_log)
        done = run.action_ids.filtered(lambda a: a.state == "done")
        self.assertEqual(done.partner_id, self.customer | no_address)
        # a failed reminder does not move the invoice: the next run retries it
        no_email.email = "compta@sans-email.example.com"
        run = self._run(self.day + timedelta(days=1))
        self.assertEqual(run.action_ids.partner_id, no_email)
        self.assertEqual(run.action_ids.state, "done")
        # letters need a postal address
        self._set_level(no_address_invoice, self.level_call)
        run = self._run(self.due + timedelta(days=21))
        letter = run.action_ids.filtered(
            lambda a: a.channel == "letter" and a.partner_id == no_address
        )
        self.assertEqual(letter.state, "failed")
        self.assertIn("postal address", letter.error_message)

    def test_broken_template_fails_its_action_only(self):
        other = self._create_customer("Autre client")
        self._create_invoice(self.customer, self.due)
        self._create_invoice(other, self.due)
        template = self.level_first.mail_template_id
        template.body_html = (
            f'<p t-out="object.partner_id.name if object.partner_id.id != {other.id} '
            'else object.does_not_exist"/>'
        )
        with mute_logger("odoo.addons.mail.models.mail_render_mixin"):
            run = self._run(self.day)
        by_partner = {a.partner_id: a for a in run.action_ids}
        self.assertEqual(by_partner[self.customer].state, "done")
        self.assertEqual(by_partner[other].state, "failed")
        self.assertTrue(by_partner[other].error_message)

    def test_concurrent_run_waits_for_the_first(self):
        """While another transaction escalates a company, a second run refuses
        (manual) or skips it (cron); nothing is created twice."""
        self._create_invoice(self.customer, self.due)
        with self.registry.cursor() as other_cr:
            other_cr.execute(
                "SELECT pg_try_advisory_xact_lock(%s, %s)",
                (RUN_LOCK_KEY, self.company.id),
            )
            self.assertTrue(other_cr.fetchone()[0])
            run = self.env["account.dunning.run"].create(
                {"company_id": self.company.id, "date": self.day}
            )
            with self.assertRaisesRegex(UserError, "in progress"):
                run.action_run()
            cron_run = self._run_cron(self.day)
            self.assertFalse(cron_run.action_ids)
            self.assertEqual(cron_run.state, "draft")
            other_cr.rollback()
        cron_run = self._run_cron(self.day)
        self.assertEqual(len(cron_run.action_ids), 1)
        run.action_run()
        self.assertFalse(run.action_ids, "the second run finds nothing left to do")

    def test_database_refuses_a_level_twice(self):
        invoice = self._create_invoice(self.customer, self.due)
        run = self._run(self.day)
        action = run.action_ids
        self.assertEqual(action.state, "done")
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"):
            with self.env.cr.savepoint():
                self.env["account.dunning.action"].create(
                    {
                        "partner_id": self.customer.id,
                        "level_id": self.level_first.id,
                        "date": self.day,
                        "channel": "email",
                        "line_ids": [
                            (
                                0,
                                0,
                                {
                                    "move_id": invoice.id,
                                    "level_id": self.level_first.id,
                                    "currency_id": invoice.currency_id.id,
                                },
                            )
                        ],
                    }
                )
                self.env.flush_all()

    def test_cron_resumes_after_a_batch(self):
        """Each call of the nightly job handles one batch; an interrupted run
        resumes where it stopped."""
        customers = [self._create_customer(f"Client {i}") for i in range(5)]
        for customer in customers:
            self._create_invoice(customer, self.due)
        self.env["ir.config_parameter"].sudo().set_param(
            "account_dunning.batch_size", 2
        )
        run = self._run_cron(self.day)
        self.assertEqual(run.state, "running")
        self.assertEqual(len(run.action_ids), 2)
        for _i in range(3):
            self._run_cron(self.day)
        self.assertEqual(run.state, "done")
        self.assertEqual(
            run.action_ids.partner_id, self.env["res.partner"].concat(*customers)
        )
        self.assertEqual(run.batch_count, 3)

    def test_multi_company_isolation(self):
        other_company = self.setup_other_company(name="Autre société")["company"]
        self._create_invoice(self.customer, self.due)
        other_customer = self._create_customer("Client de B")
        self.env["account.move"].with_company(other_company).create(
            {
                "move_type": "out_invoice",
                "partner_id": other_customer.id,
                "invoice_date": self.due,
                "invoice_date_due": self.due,
                "invoice_line_ids": [
                    (0, 0, {"name": "B", "price_unit": 500, "tax_ids": [(5,)]})
                ],
            }
        ).action_post()
        self.assertTrue(other_company.dunning_policy_id, "B got its own policies")
        self.assertNotEqual(other_company.dunning_policy_id, self.policy)
        self._run(self.day)
        self._run(self.day, company=other_company)
        user_a = self._create_user(
            "comptable_a", "account_dunning.group_account_dunning_user"
        )
        Action = self.env["account.dunning.action"].with_user(user_a)
        self.assertEqual(Action.search([]).partner_id, self.customer)
        Run = self.env["account.dunning.run"].with_user(user_a)
        self.assertEqual(Run.search([]).company_id, self.company)
        Policy = self.env["account.dunning.policy"].with_user(user_a)
        self.assertEqual(Policy.search([]).company_id, self.company)

    def test_queries_grow_with_batches_not_invoices(self):
        """Budget guard: escalating 3x more customers costs almost no more SQL."""

        def queries_for(count, day):
            for index in range(count):
                customer = self._create_customer(f"Q{day}-{index}")
                self._create_invoice(customer, self.due)
                self._create_invoice(customer, self.due - timedelta(days=1))
            self.env.flush_all()
            self.env.invalidate_all()
            run = self.env["account.dunning.run"].create(
                {"company_id": self.company.id, "date": day}
            )
            self.env.flush_all()
            start = self.env.cr.sql_log_count
            run.action_run()
            self.env.flush_all()
            self.assertGreaterEqual(len(run.action_ids), count)
            return self.env.cr.sql_log_count - start

        # letters only: email rendering is counted by the benchmark
        self.level_first.write({"send_email": False, "send_letter": True})
        small = queries_for(10, self.day)
        large = queries_for(30, self.day + timedelta(days=1))
        self.assertLess(large - small, 15, (small, large))
