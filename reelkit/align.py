def caption_words(*a, **k): raise NotImplementedError
def script_prompt(s): return ""
