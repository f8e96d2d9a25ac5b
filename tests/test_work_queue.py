from datetime import datetime, timedelta

import pytz

from odoo.tests import tagged

from .common import DunningCommon


@tagged("post_install", "-at_install")
class TestWorkQueueCompanyDay(DunningCommon):
    """The work queue says "overdue" by the company's own day (its time zone),
    as the nightly run does, not by the database server's date."""

    def _queue_row(self):
        self.env.flush_all()
        return self.env["account.dunning.queue"].search(
            [
                ("partner_id", "=", self.customer.id),
                ("company_id", "=", self.company.id),
            ]
        )

    def test_overdue_by_the_company_day(self):
        self.env.cr.execute("SELECT CURRENT_DATE, NOW()")
        server_day, now = self.env.cr.fetchone()
        # a zone whose day is not the server's right now (UTC+14 or UTC-11)
        for tz in ("Pacific/Kiritimati", "Pacific/Pago_Pago"):
            company_day = now.astimezone(pytz.timezone(tz)).date()
            if company_day != server_day:
                break
        self.company.partner_id.tz = tz
        self.assertEqual(
            self.env["account.dunning.run"]._company_today(self.company),
            datetime.now(pytz.timezone(tz)).date(),
        )
        if company_day > server_day:
            # due on the server's day: the company's day has already moved on
            self._create_invoice(self.customer, server_day, amount=700.0)
            row = self._queue_row()
            self.assertEqual(row.overdue_amount, 700.0)
            self.assertEqual(row.days_late, (company_day - server_day).days)
        else:
            # due on the company's day: not yet overdue there
            self._create_invoice(self.customer, company_day, amount=700.0)
            self.assertFalse(self._queue_row())
            self._create_invoice(
                self.customer, company_day - timedelta(days=1), amount=300.0
            )
            self.assertEqual(self._queue_row().overdue_amount, 300.0)
