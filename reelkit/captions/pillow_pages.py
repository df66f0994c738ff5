def split_pillow_pages(*a): raise NotImplementedError
