"""咨询导办 and 辅导服务区 records (plan 一(一)): the consultation desk records each question it answers — the service
asked about, the question, the answer, and whether it was resolved on the spot, sent to a window or helped with an
online application — from the desk page ``/desk``; admins list, count and export them."""
