/* WGS-84 <-> GCJ-02 for display on GCJ-02 tiles (Amap, Tencent). A port of
   core/geo.py's wgs84_to_gcj02; coordinates are stored in WGS-84 and converted
   only for display (DESIGN.md section 5). Exposed as window.EnvGeo. */
(function (root) {
  "use strict";
  var A = 6378245.0;
  var EE = 0.00669342162296594323;
  var PI = Math.PI;

  function outOfChina(lon, lat) {
    return !(lon >= 72.004 && lon <= 137.8347 && lat >= 0.8293 && lat <= 55.8271);
  }

  function transformLat(x, y) {
    var ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
    ret += (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2 / 3;
    ret += (20.0 * Math.sin(y * PI) + 40.0 * Math.sin(y / 3.0 * PI)) * 2 / 3;
    ret += (160.0 * Math.sin(y / 12.0 * PI) + 320 * Math.sin(y * PI / 30.0)) * 2 / 3;
    return ret;
  }

  function transformLon(x, y) {
    var ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
    ret += (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2 / 3;
    ret += (20.0 * Math.sin(x * PI) + 40.0 * Math.sin(x / 3.0 * PI)) * 2 / 3;
    ret += (150.0 * Math.sin(x / 12.0 * PI) + 300.0 * Math.sin(x / 30.0 * PI)) * 2 / 3;
    return ret;
  }

  /* [lon, lat] in WGS-84 -> [lon, lat] on GCJ-02 tiles; outside China unchanged. */
  function wgs84ToGcj02(lon, lat) {
    if (outOfChina(lon, lat)) { return [lon, lat]; }
    var dlat = transformLat(lon - 105.0, lat - 35.0);
    var dlon = transformLon(lon - 105.0, lat - 35.0);
    var radlat = lat / 180.0 * PI;
    var magic = 1 - EE * Math.sin(radlat) * Math.sin(radlat);
    var sqrtmagic = Math.sqrt(magic);
    dlat = (dlat * 180.0) / ((A * (1 - EE)) / (magic * sqrtmagic) * PI);
    dlon = (dlon * 180.0) / (A / sqrtmagic * Math.cos(radlat) * PI);
    return [lon + dlon, lat + dlat];
  }

  /* The inverse, by fixed-point iteration: the shift varies slowly, so a few
     rounds bring it well under a metre. Used to turn a GCJ-02 viewport back
     into the WGS-84 box the API filters on. */
  function gcj02ToWgs84(lon, lat) {
    if (outOfChina(lon, lat)) { return [lon, lat]; }
    var wlon = lon;
    var wlat = lat;
    for (var i = 0; i < 5; i++) {
      var shifted = wgs84ToGcj02(wlon, wlat);
      wlon -= shifted[0] - lon;
      wlat -= shifted[1] - lat;
    }
    return [wlon, wlat];
  }

  root.EnvGeo = { wgs84ToGcj02: wgs84ToGcj02, gcj02ToWgs84: gcj02ToWgs84, outOfChina: outOfChina };
})(window);
