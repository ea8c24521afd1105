"""The city server (市政务服务管理局): one aiohttp server over PostgreSQL that receives every hall's records and
reports across the city's halls. It is not one of the hall's areas: it has its own database, tokens, routes and
pages, and shares only the web plumbing (declared routes, JSON errors) and the pure KPI and ranking rules."""
