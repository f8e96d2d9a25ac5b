from datetime import datetime, time, timedelta

import psycopg2
from freezegun import freeze_time

from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.account_dunning.models.account_dunning_run import RUN_LOCK_KEY

from .common import DunningCommon


@tagged("post_install", "-at_install")
class TestEscalationWorkers(DunningCommon):
    """The nightly run of a company is split into parts that the cron workers
    share: each customer belongs to one part, each worker starts with its own
    part and helps with the others, and nothing is done twice."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].sudo().set_param("account_dunning.workers", 2)
        cls.due = cls._d("2026-05-29")
        cls.day = cls.due + timedelta(days=1)
        cls.customers = cls.customer | cls.env["res.partner"].concat(
            *(cls._create_customer(f"Client {index}") for index in range(5))
        )
        for customer in cls.customers:
            cls._create_invoice(customer, cls.due)
        cls.second_cron = cls.env.ref(
            "account_dunning.account_dunning_cron_run_second_worker"
        )

    def _call(self, cron=None):
        """One call of a nightly job, as Odoo's scheduler makes it."""
        cron = (cron or self.env.ref("account_dunning.account_dunning_cron_run")).sudo()
        with freeze_time(datetime.combine(self.day, time(12, 0))):
            self.env["account.dunning.run"].with_user(cron.user_id).with_context(
                cron_id=cron.id
            )._cron_run()

    def _nightly_runs(self):
        return self.env["account.dunning.run"].search(
            [("company_id", "=", self.company.id), ("date", "=", self.day)],
            order="worker",
        )

    def test_parts_share_the_night(self):
        self._call()
        runs = self._nightly_runs()
        self.assertEqual(runs.mapped("worker"), [0, 1])
        self.assertEqual(runs.mapped("worker_count"), [2, 2])
        self.assertIn("part 1 of 2", runs[0].name)
        self.assertEqual(runs.mapped("state"), ["done", "draft"], "one part per call")
        self._call(self.second_cron)
        self.assertEqual(runs.mapped("state"), ["done", "done"])
        for run in runs:
            self.assertTrue(run.action_ids)
            self.assertEqual(
                {partner.id % 2 for partner in run.action_ids.partner_id}, {run.worker}
            )
        reminded = runs.action_ids.partner_id
        self.assertEqual(reminded, self.customers)
        self.assertEqual(len(runs.action_ids), len(self.customers), "once each")
        self.assertEqual(sum(runs.mapped("partner_count")), len(self.customers))
        # the night is over: another call finds nothing to do
        self._call(self.second_cron)
        self.assertEqual(len(self._nightly_runs().action_ids), len(self.customers))

    def test_each_worker_starts_with_its_own_part(self):
        self._call(self.second_cron)
        first, second = self._nightly_runs()
        self.assertEqual((first.state, second.state), ("draft", "done"))
        # a lone worker still does every part
        self._call(self.second_cron)
        self.assertEqual(first.state, "done")
        self.assertEqual((first | second).action_ids.partner_id, self.customers)

    def test_a_whole_run_excludes_the_parts(self):
        """While a whole run of the company is under way in another transaction
        (manual run), the nightly parts wait; they share the company otherwise."""
        with self.registry.cursor() as other_cr:
            other_cr.execute(
                "SELECT pg_try_advisory_xact_lock(%s, %s)",
                (RUN_LOCK_KEY, self.company.id),
            )
            self.assertTrue(other_cr.fetchone()[0])
            self._call()
            self.assertEqual(self._nightly_runs().mapped("state"), ["draft", "draft"])
            other_cr.rollback()
            # another part of the night holds only a shared lock on the company
            other_cr.execute(
                "SELECT pg_try_advisory_xact_lock_shared(%s, %s)",
                (RUN_LOCK_KEY, self.company.id),
            )
            self._call()
            self.assertEqual(self._nightly_runs()[0].state, "done")
            other_cr.rollback()

    def test_parts_are_created_once(self):
        self._call()
        runs = self._nightly_runs()
        with (
            self.assertRaises(psycopg2.IntegrityError),
            mute_logger("odoo.sql_db"),
            self.env.cr.savepoint(),
        ):
            self.env["account.dunning.run"].create(
                {
                    "company_id": self.company.id,
                    "date": self.day,
                    "trigger": "cron",
                    "worker": 1,
                    "worker_count": 2,
                }
            )
        self._call()
        self.assertEqual(self._nightly_runs(), runs)
