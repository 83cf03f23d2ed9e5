// Fixed vocabularies the generator draws from. Changing them changes every seed's output.

import type { Transaction } from '../../topologies/transaction.js'

/** A home town, with the fields a transaction carries for it. */
export type City = Pick<Transaction, 'city' | 'state' | 'zip' | 'lat' | 'long' | 'city_pop'>

/** Home towns, large and small, spread over the United States like the simulation data. */
export const CITIES: readonly City[] = [
  { city: 'New York', state: 'NY', zip: '10001', lat: 40.7128, long: -74.006, city_pop: 8336817 },
  { city: 'Los Angeles', state: 'CA', zip: '90012', lat: 34.0522, long: -118.2437, city_pop: 3979576 },
  { city: 'Chicago', state: 'IL', zip: '60601', lat: 41.8781, long: -87.6298, city_pop: 2693976 },
  { city: 'Houston', state: 'TX', zip: '77002', lat: 29.7604, long: -95.3698, city_pop: 2320268 },
  { city: 'Phoenix', state: 'AZ', zip: '85004', lat: 33.4484, long: -112.074, city_pop: 1680992 },
  { city: 'Philadelphia', state: 'PA', zip: '19103', lat: 39.9526, long: -75.1652, city_pop: 1584064 },
  { city: 'San Antonio', state: 'TX', zip: '78205', lat: 29.4241, long: -98.4936, city_pop: 1547253 },
  { city: 'San Diego', state: 'CA', zip: '92101', lat: 32.7157, long: -117.1611, city_pop: 1423851 },
  { city: 'Dallas', state: 'TX', zip: '75201', lat: 32.7767, long: -96.797, city_pop: 1343573 },
  { city: 'Denver', state: 'CO', zip: '80202', lat: 39.7392, long: -104.9903, city_pop: 727211 },
  { city: 'Seattle', state: 'WA', zip: '98101', lat: 47.6062, long: -122.3321, city_pop: 753675 },
  { city: 'Boston', state: 'MA', zip: '02108', lat: 42.3601, long: -71.0589, city_pop: 692600 },
  { city: 'Nashville', state: 'TN', zip: '37203', lat: 36.1627, long: -86.7816, city_pop: 670820 },
  { city: 'Detroit', state: 'MI', zip: '48226', lat: 42.3314, long: -83.0458, city_pop: 670031 },
  { city: 'Portland', state: 'OR', zip: '97204', lat: 45.5152, long: -122.6784, city_pop: 654741 },
  { city: 'Las Vegas', state: 'NV', zip: '89101', lat: 36.1699, long: -115.1398, city_pop: 651319 },
  { city: 'Atlanta', state: 'GA', zip: '30303', lat: 33.749, long: -84.388, city_pop: 498715 },
  { city: 'Miami', state: 'FL', zip: '33130', lat: 25.7617, long: -80.1918, city_pop: 467963 },
  { city: 'Minneapolis', state: 'MN', zip: '55401', lat: 44.9778, long: -93.265, city_pop: 429954 },
  { city: 'Omaha', state: 'NE', zip: '68102', lat: 41.2565, long: -95.9345, city_pop: 478192 },
  { city: 'Kansas City', state: 'MO', zip: '64106', lat: 39.0997, long: -94.5786, city_pop: 495327 },
  { city: 'Albuquerque', state: 'NM', zip: '87102', lat: 35.0844, long: -106.6504, city_pop: 560513 },
  { city: 'Tulsa', state: 'OK', zip: '74103', lat: 36.154, long: -95.9928, city_pop: 401190 },
  { city: 'Boise', state: 'ID', zip: '83702', lat: 43.615, long: -116.2023, city_pop: 228959 },
  { city: 'Spokane', state: 'WA', zip: '99201', lat: 47.6588, long: -117.426, city_pop: 222081 },
  { city: 'Des Moines', state: 'IA', zip: '50309', lat: 41.5868, long: -93.625, city_pop: 214237 },
  { city: 'Birmingham', state: 'AL', zip: '35203', lat: 33.5186, long: -86.8104, city_pop: 200733 },
  { city: 'Salt Lake City', state: 'UT', zip: '84101', lat: 40.7608, long: -111.891, city_pop: 200567 },
  { city: 'Little Rock', state: 'AR', zip: '72201', lat: 34.7465, long: -92.2896, city_pop: 197312 },
  { city: 'Sioux Falls', state: 'SD', zip: '57104', lat: 43.5446, long: -96.7311, city_pop: 192517 },
  { city: 'Billings', state: 'MT', zip: '59101', lat: 45.7833, long: -108.5007, city_pop: 117116 },
  { city: 'Burlington', state: 'VT', zip: '05401', lat: 44.4759, long: -73.2121, city_pop: 44743 },
  { city: 'Fargo', state: 'ND', zip: '58102', lat: 46.8772, long: -96.7898, city_pop: 125990 },
  { city: 'Cheyenne', state: 'WY', zip: '82001', lat: 41.14, long: -104.8202, city_pop: 65132 },
  { city: 'Bangor', state: 'ME', zip: '04401', lat: 44.8012, long: -68.7778, city_pop: 31753 },
  { city: 'Elkins', state: 'WV', zip: '26241', lat: 38.9262, long: -79.8467, city_pop: 6950 },
  { city: 'Moab', state: 'UT', zip: '84532', lat: 38.5733, long: -109.5498, city_pop: 5366 },
  { city: 'Greenville', state: 'MS', zip: '38701', lat: 33.41, long: -91.0618, city_pop: 29670 },
  { city: 'Marquette', state: 'MI', zip: '49855', lat: 46.5436, long: -87.3954, city_pop: 20629 },
  { city: 'Tupelo', state: 'MS', zip: '38804', lat: 34.2576, long: -88.7034, city_pop: 38300 },
  { city: 'Hays', state: 'KS', zip: '67601', lat: 38.8792, long: -99.3268, city_pop: 21116 },
  { city: 'Laramie', state: 'WY', zip: '82070', lat: 41.3114, long: -105.5911, city_pop: 32711 },
  { city: 'Ithaca', state: 'NY', zip: '14850', lat: 42.444, long: -76.5019, city_pop: 32108 },
  { city: 'Athens', state: 'GA', zip: '30601', lat: 33.9519, long: -83.3576, city_pop: 127315 },
  { city: 'Eugene', state: 'OR', zip: '97401', lat: 44.0521, long: -123.0868, city_pop: 176654 },
  { city: 'Redding', state: 'CA', zip: '96001', lat: 40.5865, long: -122.3917, city_pop: 93611 },
]

export const FIRST_NAMES_F = ['Jennifer', 'Mary', 'Patricia', 'Linda', 'Elizabeth', 'Susan', 'Jessica', 'Sarah', 'Karen', 'Lisa', 'Nancy', 'Betty', 'Sandra', 'Ashley', 'Kimberly', 'Emily', 'Donna', 'Michelle', 'Amanda', 'Melissa', 'Stephanie', 'Rebecca', 'Laura', 'Angela', 'Heather', 'Christina', 'Megan', 'Rachel', 'Kathleen', 'Amy']
export const FIRST_NAMES_M = ['James', 'Robert', 'John', 'Michael', 'David', 'William', 'Richard', 'Joseph', 'Thomas', 'Charles', 'Christopher', 'Daniel', 'Matthew', 'Anthony', 'Mark', 'Steven', 'Paul', 'Andrew', 'Joshua', 'Kenneth', 'Kevin', 'Brian', 'George', 'Timothy', 'Ronald', 'Jason', 'Edward', 'Jeffrey', 'Ryan', 'Jacob']
export const LAST_NAMES = ['Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez', 'Hernandez', 'Lopez', 'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin', 'Lee', 'Perez', 'Thompson', 'White', 'Harris', 'Sanchez', 'Clark', 'Ramirez', 'Lewis', 'Robinson', 'Walker', 'Young', 'Allen', 'King', 'Wright', 'Scott', 'Torres', 'Nguyen', 'Hill', 'Flores', 'Green', 'Adams', 'Nelson', 'Baker', 'Hall', 'Rivera', 'Campbell', 'Mitchell', 'Carter', 'Roberts']

export const STREET_NAMES = ['Main', 'Oak', 'Pine', 'Maple', 'Cedar', 'Elm', 'Washington', 'Lake', 'Hill', 'Park', 'Walnut', 'Sunset', 'Lincoln', 'Jackson', 'River', 'Church', 'Willow', 'Highland', 'Meadow', 'Forest']
export const STREET_SUFFIXES = ['St', 'Ave', 'Rd', 'Blvd', 'Ln', 'Dr', 'Ct', 'Way', 'Pl', 'Ter']

export const JOBS = ['Accountant', 'Architect', 'Barista', 'Civil engineer', 'Dentist', 'Designer, graphic', 'Electrician', 'Engineer, software', 'Firefighter', 'Journalist', 'Lawyer', 'Librarian', 'Mechanic', 'Nurse, adult', 'Pharmacist', 'Physiotherapist', 'Police officer', 'Teacher, primary school', 'Surveyor, land', 'Chef', 'Farmer', 'Pilot, airline', 'Psychologist, clinical', 'Retail manager', 'Sales executive', 'Scientist, research', 'Social worker', 'Truck driver', 'Veterinary surgeon', 'Web developer']

/** Words merchant names are built from ("Kirlin and Sons", "Heller-Langosh", ...). */
export const MERCHANT_WORDS = ['Kirlin', 'Rippin', 'Kub', 'Mann', 'Heller', 'Langosh', 'Schultz', 'Abbott', 'Bednar', 'Cormier', 'Dicki', 'Erdman', 'Feil', 'Gerhold', 'Hackett', 'Jast', 'Kuhn', 'Lind', 'Marvin', 'Nader', 'Ortiz', 'Parisian', 'Quigley', 'Reilly', 'Stark', 'Turcotte', 'Upton', 'Volkman', 'Wisoky', 'Yost', 'Zieme', 'Boyer', 'Conroy', 'Durgan']
export const MERCHANT_FORMS = ['{a} and Sons', '{a}-{b}', '{a}, {b} and {c}', '{a} LLC', '{a} Inc', '{a} Group', '{a} Ltd', '{a}-{b} and Co']

/** Median amount (USD) of a purchase per category across all users; each user scales it. */
export const CATEGORY_MEDIAN_AMOUNT: Readonly<Record<string, number>> = {
  grocery_pos: 60,
  gas_transport: 45,
  home: 55,
  shopping_pos: 50,
  kids_pets: 45,
  shopping_net: 55,
  entertainment: 40,
  food_dining: 30,
  personal_care: 30,
  health_fitness: 35,
  misc_pos: 35,
  misc_net: 40,
  grocery_net: 45,
  travel: 80,
}

/** How common each category is over the whole population (a user's preferences vary around this). */
export const CATEGORY_POPULARITY: Readonly<Record<string, number>> = {
  grocery_pos: 13,
  gas_transport: 13,
  home: 10,
  shopping_pos: 9,
  kids_pets: 9,
  shopping_net: 8,
  entertainment: 7,
  food_dining: 7,
  personal_care: 7,
  health_fitness: 6,
  misc_pos: 6,
  misc_net: 5,
  grocery_net: 4,
  travel: 3,
}
