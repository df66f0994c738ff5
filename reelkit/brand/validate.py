def validate_brand(*a, **k): raise NotImplementedError
