"""How a customer pays: the SQL of `account.dunning.rule.
_get_payment_behaviour_sql`, which the work queue's view and the customer
form share (kept here, as `lib.snapshot.next_level_due_sql`, so that the rule
reads as rules)."""

from odoo.tools import SQL


def payment_behaviour_sql(days, partner_ids=None):
    """See `account.dunning.rule._get_payment_behaviour_sql`."""
    partners = (
        SQL("= ANY(%s)", list(partner_ids))
        if partner_ids is not None
        else SQL("IS NOT NULL")
    )
    return SQL(
        """
        SELECT COALESCE(paid.company_id, broken.company_id) AS company_id,
               COALESCE(paid.partner_id, broken.partner_id) AS partner_id,
               COALESCE(paid.avg_days_late, 0) AS avg_days_late,
               COALESCE(paid.late_ratio, 0) AS late_ratio,
               COALESCE(broken.broken_count, 0) AS broken_count,
               CASE
                   WHEN COALESCE(broken.broken_count, 0) >= 2
                     OR (paid.late_ratio >= 0.5 AND paid.avg_days_late >= 30)
                   THEN 'high'
                   WHEN COALESCE(broken.broken_count, 0) >= 1
                     OR paid.late_ratio >= 0.5 OR paid.avg_days_late >= 15
                   THEN 'watch'
                   ELSE 'normal'
               END AS risk
          FROM (
                SELECT m.company_id, m.commercial_partner_id AS partner_id,
                       AVG(GREATEST(pay.paid_on - m.invoice_date_due, 0))
                           AS avg_days_late,
                       AVG(CASE WHEN pay.paid_on > m.invoice_date_due
                                THEN 1.0 ELSE 0.0 END) AS late_ratio
                  FROM account_move m
                  JOIN %(days)s ON d.company_id = m.company_id
                  JOIN LATERAL (
                        SELECT MAX(p.max_date) AS paid_on
                          FROM account_move_line l
                          JOIN account_partial_reconcile p
                            ON p.debit_move_id = l.id
                         WHERE l.move_id = m.id
                       ) pay ON pay.paid_on IS NOT NULL
                 WHERE m.move_type = 'out_invoice'
                   AND m.state = 'posted'
                   AND m.payment_state IN ('paid', 'in_payment')
                   AND m.commercial_partner_id %(partners)s
                   AND pay.paid_on > d.day - 365
              GROUP BY m.company_id, m.commercial_partner_id
               ) paid
     FULL JOIN (
                SELECT pr.company_id, pr.partner_id, COUNT(*) AS broken_count
                  FROM account_dunning_promise pr
                  JOIN %(days)s ON d.company_id = pr.company_id
                 WHERE pr.state = 'broken'
                   AND pr.partner_id %(partners)s
                   AND pr.closed_date > d.day - 365
              GROUP BY pr.company_id, pr.partner_id
               ) broken
            ON broken.company_id = paid.company_id
           AND broken.partner_id = paid.partner_id
        """,
        days=days,
        partners=partners,
    )
