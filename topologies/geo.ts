const EARTH_RADIUS_KM = 6371

function radians(degrees: number): number {
  return (degrees * Math.PI) / 180
}

/** Great-circle distance in kilometres between two points given in degrees (haversine). */
export function haversineKm(lat1: number, long1: number, lat2: number, long2: number): number {
  const dLat = radians(lat2 - lat1)
  const dLong = radians(long2 - long1)
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(radians(lat1)) * Math.cos(radians(lat2)) * Math.sin(dLong / 2) ** 2
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)))
}

/** The point `distanceKm` away from (lat, long) along `bearingDegrees` (great circle). */
export function destination(lat: number, long: number, distanceKm: number, bearingDegrees: number): { lat: number; long: number } {
  const angular = distanceKm / EARTH_RADIUS_KM
  const bearing = radians(bearingDegrees)
  const lat1 = radians(lat)
  const lat2 = Math.asin(Math.sin(lat1) * Math.cos(angular) + Math.cos(lat1) * Math.sin(angular) * Math.cos(bearing))
  const long2 = radians(long) + Math.atan2(Math.sin(bearing) * Math.sin(angular) * Math.cos(lat1), Math.cos(angular) - Math.sin(lat1) * Math.sin(lat2))
  const longDegrees = ((((long2 * 180) / Math.PI + 540) % 360) + 360) % 360 - 180
  return { lat: (lat2 * 180) / Math.PI, long: longDegrees }
}
