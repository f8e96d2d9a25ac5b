"""The SQL of the work queue's view (`account.dunning.queue`), apart from the
model so its file stays readable: one query reads all that decides each
customer's next action. Parameters are filled by the model's `init`."""

QUEUE_VIEW_SQL = """
                CREATE OR REPLACE VIEW %(table)s AS (
                -- each company's own day, in its time zone, as the engine's
                WITH today AS (
                    SELECT c.id AS company_id, c.dunning_policy_id,
                           %(today)s AS day
                      FROM res_company c
                ), inv AS (
                    SELECT m.company_id,
                           m.commercial_partner_id AS partner_id,
                           SUM(m.amount_residual_signed) AS open_amount,
                           COALESCE(SUM(m.amount_residual_signed)
                               FILTER (WHERE m.invoice_date_due < t.day), 0)
                               AS overdue_amount,
                           COUNT(*) FILTER (WHERE m.invoice_date_due < t.day)
                               AS overdue_count,
                           MIN(m.invoice_date_due) AS oldest_due_date,
                           GREATEST(MAX(t.day - m.invoice_date_due), 0)
                               AS days_late,
                           (ARRAY_AGG(st.level_id ORDER BY lv.delay DESC
                                NULLS LAST))[1] AS level_id,
                           -- an invoice due for its next level (the rule's)
                           BOOL_OR(%(level_due)s) AS level_due,
                           MIN(m.dunning_limitation_date) AS limitation_date,
                           BOOL_OR(%(lapsing)s) AS limitation_alert,
                           BOOL_OR(%(lapsing)s AND NOT %(ahead)s) AS lapse_hand_over
                      FROM account_move m
                      JOIN today t ON t.company_id = m.company_id
                      JOIN res_partner cp ON cp.id = m.commercial_partner_id
                 -- each invoice's own history (index on the lines' invoice)
                 LEFT JOIN LATERAL (
                           SELECT s.level_id FROM account_dunning_move_state s
                            WHERE s.id = m.id
                           ) st ON TRUE
                 LEFT JOIN account_dunning_level lv ON lv.id = st.level_id
                     WHERE %(open)s
                  GROUP BY m.company_id, m.commercial_partner_id, t.day
                ), act AS (
                    SELECT a.company_id,
                           a.partner_id,
                           COUNT(*) FILTER (WHERE a.state = 'draft') AS draft_count,
                           COUNT(*) FILTER (WHERE a.state = 'to_send') AS to_send_count,
                           COUNT(*) FILTER (WHERE a.state = 'to_send'
                                              AND a.channel = 'letter'
                                              AND COALESCE(a.send_mode, 'print')
                                                  = 'print') AS print_count,
                           -- failed in the last 7 days (an email may fail
                           -- days after its night), and not covered since by
                           -- another reminder of its invoices at that level
                           COUNT(*) FILTER (WHERE a.state = 'failed'
                               AND GREATEST(a.date, a.write_date::date)
                                   >= t.day - 7
                               AND EXISTS (
                                   SELECT 1 FROM account_dunning_action_line l
                                    WHERE l.action_id = a.id AND NOT EXISTS (
                                       SELECT 1 FROM account_dunning_action_line o
                                        WHERE o.move_id = l.move_id
                                          AND o.level_id = l.level_id
                                          AND o.channel = l.channel
                                          AND o.state IN %(active)s)))
                               AS failed_count,
                           MAX(a.date) FILTER (WHERE a.state IN ('to_send', 'done')
                                                 AND a.channel != 'portal')
                               AS last_date,
                           -- the deadline of the last formal notice sent
                           (ARRAY_AGG(a.payment_deadline
                                ORDER BY a.date DESC, a.id DESC)
                                FILTER (WHERE lv.is_formal_notice
                                          AND a.state IN %(validated)s))[1]
                               AS notice_deadline
                      FROM account_dunning_action a
                      JOIN today t ON t.company_id = a.company_id
                 LEFT JOIN account_dunning_level lv ON lv.id = a.level_id
                  GROUP BY a.company_id, a.partner_id
                ), calls AS (
                    -- a call task due: one the night planned and no call
                    -- logged yet, or a phone call planned on the customer
                    SELECT a.company_id, a.partner_id
                      FROM account_dunning_action a
                      JOIN today t ON t.company_id = a.company_id
                      JOIN mail_activity ma ON ma.id = a.activity_id
                     WHERE a.channel = 'call' AND a.result IS NULL
                       AND ma.active AND ma.date_deadline <= t.day
                     UNION
                    SELECT t.company_id, cp.commercial_partner_id
                      FROM mail_activity ma
                      JOIN mail_activity_type ty ON ty.id = ma.activity_type_id
                      JOIN res_partner cp ON cp.id = ma.res_id
                      JOIN today t ON TRUE
                     WHERE ma.res_model = 'res.partner' AND ma.active
                       AND ty.category = 'phonecall'
                       AND ma.date_deadline <= t.day
                ), payments AS (
                    -- a payment the customer says they made, or money from
                    -- the customer in the bank not reconciled yet
                    SELECT d.company_id, d.partner_id
                      FROM account_dunning_declaration d
                     WHERE d.kind = 'paid' AND d.state = 'open'
                     UNION
                    SELECT bl.company_id, bp.commercial_partner_id
                      FROM account_bank_statement_line bl
                      JOIN account_move bm ON bm.id = bl.move_id
                      JOIN res_partner bp ON bp.id = bl.partner_id
                      JOIN today t ON t.company_id = bl.company_id
                     WHERE bl.is_reconciled IS NOT TRUE AND bl.amount > 0
                       AND bm.state = 'posted' AND bm.date <= t.day
                ), promises AS (
                    SELECT pr.company_id, pr.partner_id
                      FROM account_dunning_promise pr
                      JOIN today t ON t.company_id = pr.company_id
                     WHERE pr.state = 'open' AND pr.date <= t.day
                ), schedules AS (
                    -- an unpaid instalment past its date and the grace days
                    -- (`account.dunning.schedule.line.is_late`)
                    SELECT sc.company_id, sc.partner_id
                      FROM account_dunning_schedule sc
                      JOIN today t ON t.company_id = sc.company_id
                      JOIN account_dunning_schedule_line sl
                        ON sl.schedule_id = sc.id
                 LEFT JOIN account_dunning_policy sp ON sp.id = sc.policy_id
                     WHERE sc.state = 'active' AND sl.state != 'paid'
                       AND sl.date + COALESCE(sp.grace_days, 0) < t.day
                ), queue AS (
                SELECT inv.company_id::bigint * %(factor)s + inv.partner_id AS id,
                       COALESCE(beh.risk, 'normal') AS risk,
                       inv.company_id,
                       inv.partner_id,
                       COALESCE(
                           (p.dunning_responsible_id ->> inv.company_id::text)::int,
                           p.user_id
                       ) AS user_id,
                       inv.level_id,
                       inv.open_amount,
                       inv.overdue_amount,
                       inv.overdue_count,
                       inv.oldest_due_date,
                       inv.days_late,
                       inv.overdue_amount * inv.days_late
                           * CASE beh.risk WHEN 'high' THEN 2.0
                                           WHEN 'watch' THEN 1.5
                                           ELSE 1.0 END AS priority,
                       act.last_date,
                       COALESCE(act.draft_count, 0) AS draft_count,
                       COALESCE(act.to_send_count, 0) AS to_send_count,
                       COALESCE(act.print_count, 0) AS print_count,
                       COALESCE(act.failed_count, 0) AS failed_count,
                       COALESCE(act.draft_count + act.to_send_count
                                + act.failed_count, 0) > 0 AS to_do,
                       EXISTS (SELECT 1 FROM account_dunning_reply r
                                WHERE r.company_id = inv.company_id
                                  AND r.partner_id = inv.partner_id
                                  AND r.state = 'new') AS replied,
                       -- the SQL twin of `_read_hand_over_keys` (which
                       -- serves `hand_over_due`, and tests at a frozen day)
                       COALESCE(inv.overdue_amount > 0
                           AND (act.notice_deadline < t.day OR inv.lapse_hand_over)
                           AND NOT %(litigation)s, FALSE) AS notice_passed,
                       inv.limitation_date,
                       COALESCE(inv.limitation_alert, FALSE) AS limitation_alert,
                       %(litigation)s AS in_litigation,
                       inv.level_due,
                       EXISTS (SELECT 1 FROM calls c
                                WHERE c.company_id = inv.company_id
                                  AND c.partner_id = inv.partner_id)
                           AS call_due,
                       EXISTS (SELECT 1 FROM payments c
                                WHERE c.company_id = inv.company_id
                                  AND c.partner_id = inv.partner_id)
                           AS payment_due,
                       EXISTS (SELECT 1 FROM promises c
                                WHERE c.company_id = inv.company_id
                                  AND c.partner_id = inv.partner_id)
                           AS promise_due,
                       EXISTS (SELECT 1 FROM schedules c
                                WHERE c.company_id = inv.company_id
                                  AND c.partner_id = inv.partner_id)
                           AS schedule_late
                  FROM inv
                  JOIN today t ON t.company_id = inv.company_id
                  JOIN res_partner p ON p.id = inv.partner_id
             LEFT JOIN act ON act.company_id = inv.company_id
                          AND act.partner_id = inv.partner_id
             LEFT JOIN (%(behaviour)s) beh ON beh.company_id = inv.company_id
                                          AND beh.partner_id = inv.partner_id
                 WHERE inv.overdue_amount > 0 OR act.draft_count > 0
                )
                SELECT id, risk, company_id, partner_id, user_id, level_id,
                       open_amount, overdue_amount, overdue_count,
                       oldest_due_date, days_late, priority, last_date,
                       draft_count, to_send_count, failed_count, to_do, replied,
                       limitation_date, limitation_alert,
                       -- the first that applies (`NEXT_ACTIONS`)
                       CASE WHEN replied THEN 'replied'
                            WHEN notice_passed THEN 'hand_over'
                            WHEN draft_count > 0 THEN 'approve'
                            WHEN print_count > 0 THEN 'print'
                            WHEN call_due THEN 'call'
                            WHEN payment_due THEN 'check_payment'
                            WHEN promise_due THEN 'promise_due'
                            WHEN schedule_late THEN 'schedule_late'
                            WHEN NOT in_litigation
                                 AND (failed_count > 0 OR level_due)
                            THEN 'remind'
                       END AS next_action
                  FROM queue
                )
                """
