// The widget's own words in English and French (the server's error messages come as they are).
const WORDS = {
  en: {
    loading: 'Loading the personalizer…', font: 'Font', colour: 'Colour', size: 'Size',
    auto: (mm) => `Fitted automatically: ${mm} mm`, autoNone: 'Size: automatic',
    preview: 'Preview of your design', previewPending: 'Drawing your design…',
    previewFailed: 'The preview could not be drawn.', view3d: 'View in 3D', close3d: 'Close 3D',
    ar: 'View in your space (AR)', addToCart: 'Add to cart', adding: 'Adding…',
    added: 'Added to your cart.', failed: 'Something went wrong; please try again.',
    fix: 'Correct the highlighted fields first.', no3d: '3D is not available on this device: here is the 2D view.',
    checking: 'Checking with the server…', unavailable: 'The personalizer is unavailable.',
  },
  fr: {
    loading: 'Chargement du personnalisateur…', font: 'Police', colour: 'Couleur', size: 'Taille',
    auto: (mm) => `Ajustée automatiquement : ${mm} mm`, autoNone: 'Taille : automatique',
    preview: 'Aperçu de votre création', previewPending: 'Dessin de votre création…',
    previewFailed: "L'aperçu n'a pas pu être dessiné.", view3d: 'Voir en 3D', close3d: 'Fermer la 3D',
    ar: 'Voir chez vous (RA)', addToCart: 'Ajouter au panier', adding: 'Ajout…',
    added: 'Ajouté à votre panier.', failed: "Une erreur s'est produite ; veuillez réessayer.",
    fix: "Corrigez d'abord les champs signalés.", no3d: "La 3D n'est pas disponible sur cet appareil : voici la vue 2D.",
    checking: 'Vérification auprès du serveur…', unavailable: 'Le personnalisateur est indisponible.',
  },
};

export function words(lang) {
  const code = (lang || navigator.language || 'en').slice(0, 2).toLowerCase();
  return WORDS[code] ?? WORDS.en;
}
