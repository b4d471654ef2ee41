"""The web pages: server-rendered shells whose scripts call the same JSON API as everyone.

Pages are Jinja2 templates under ``templates/`` and plain ES modules under ``static/`` (no
build step, nothing fetched from another host): Leaflet comes from the ``xstatic-leaflet``
package, the map's streets from the region's own road graph (``/map/tiles``).
"""
