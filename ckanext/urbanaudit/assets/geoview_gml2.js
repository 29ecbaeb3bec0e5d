/* ckanext-geoview's map viewer reads WFS features as GML 2 and, for a service in EPSG:4326, replaces the GML
   reader's geometry step with one that looks up `this.GEOMETRY_PARSERS_`, a name only the debug build of
   OpenLayers has ("WARN this overloading works only with ol-debug lib !", ol-helpers.js). geoview ships the
   minified build, where the table is `GEOMETRY_PARSERS`, and calls `ol.format.Feature.transformWithOptions`,
   which OpenLayers 6 renamed `transformGeometryWithOptions` (same arguments): every such feature failed to load
   ("Cannot read properties of undefined (reading 'http://www.opengis.net/gml')") and the map stayed empty.
   Give the minified build the names the viewer asks for. */
(function () {
  if (window.ol && ol.format && ol.format.GML2) {
    var proto = ol.format.GML2.prototype;
    if (!('GEOMETRY_PARSERS_' in proto)) {
      Object.defineProperty(proto, 'GEOMETRY_PARSERS_', {
        get: function () { return this.GEOMETRY_PARSERS; }
      });
    }
    var feature = ol.format.Feature;
    if (feature && !feature.transformWithOptions && feature.transformGeometryWithOptions) {
      feature.transformWithOptions = feature.transformGeometryWithOptions;
    }
  }
})();
