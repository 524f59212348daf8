import './console.js';
import './softphone_widget.js';
