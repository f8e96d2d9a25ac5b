from . import account_dunning_wizard
