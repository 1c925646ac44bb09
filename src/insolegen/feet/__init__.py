"""feet"""
