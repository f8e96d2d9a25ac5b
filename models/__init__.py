from . import account_dunning_role
from . import account_dunning_reason
from . import account_dunning_rate
from . import account_dunning_policy
from . import account_dunning_level
from . import account_dunning_action
from . import account_dunning_action_line
from . import account_dunning_move_state
from . import account_dunning_rule
from . import account_dunning_send
from . import account_dunning_late_payment
from . import account_dunning_run
from . import account_dunning_schedule_mixin
from . import account_dunning_schedule
from . import account_dunning_schedule_line
from . import account_dunning_promise
from . import account_dunning_dispute
from . import account_move
from . import res_company
from . import res_config_settings
from . import res_partner
from . import mail_template
from . import mail_activity
from . import mail_mail
from . import sms_sms

# last: its SQL view reads the columns the models above add
from . import account_dunning_queue
