from . import account_dunning_wizard
from . import account_dunning_call_wizard
