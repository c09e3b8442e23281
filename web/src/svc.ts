// The service types of data/taxonomy/vocabularies.json (service_type), in the order the forms
// and filters list them; labels are the catalogs' svc.<id>.
export const SERVICE_TYPES = [
  'protection', 'child_protection', 'gbv', 'health', 'mhpss', 'legal', 'security_police', 'safety_shelter',
  'livelihoods', 'education', 'family_tracing_reunification', 'documentation', 'basic_needs', 'food_security',
  'nutrition', 'shelter_nfi', 'wash', 'cash', 'disability', 'other',
];
